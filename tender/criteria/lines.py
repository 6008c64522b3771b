"""Where each field of a criteria file is written: its line number, for the messages.

``tomllib`` returns plain dicts without positions, so this module reads the TOML
text a second time, only far enough to know on which line each key, table header
and array item starts. It runs on text that ``tomllib`` has already accepted, so
it does not check the syntax itself.

Paths are spelled as the loader spells them (``criteria[2].weight``,
``scale.levels[3].score``, ``lots[1].target_groups[2]``; items counted from 1), so
a message that starts with a path can be given the line of that field, or of the
nearest table or array item that contains it.
"""

from __future__ import annotations

import contextlib
import re

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        escape = match.group()[1:]
        if escape[0] in "uU":
            return chr(int(escape[1:], 16))
        return _SIMPLE_ESCAPES.get(escape, escape)

    return _ESCAPE.sub(replace, text)


class _Scanner:
    """A cursor over the text that records ``path -> line`` in ``lines``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines: dict[str, int] = {"": 1}
        self._arrays_of_tables: dict[str, int] = {}  # header path -> items so far

    def line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    def peek(self, length: int = 1) -> str:
        return self.text[self.pos : self.pos + length]

    def skip_blank(self, *, newlines: bool) -> None:
        """Skip spaces and tabs, and with ``newlines`` also line ends and comments."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t" or (newlines and char in "\r\n"):
                self.pos += 1
            elif newlines and char == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def skip_line(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end + 1

    # --- keys ---

    def key_part(self) -> str:
        quote = self.peek()
        if quote == '"':
            end = self.pos + 1
            while self.text[end] != '"':
                end += 2 if self.text[end] == "\\" else 1
            part = _unescape(self.text[self.pos + 1 : end])
            self.pos = end + 1
            return part
        if quote == "'":
            end = self.text.index("'", self.pos + 1)
            part = self.text[self.pos + 1 : end]
            self.pos = end + 1
            return part
        match = _BARE_KEY.match(self.text, self.pos)
        if match is None:  # not TOML that tomllib accepted; stop here
            raise ValueError(self.pos)
        self.pos = match.end()
        return match.group()

    def dotted_key(self) -> list[str]:
        parts = [self.key_part()]
        self.skip_blank(newlines=False)
        while self.peek() == ".":
            self.pos += 1
            self.skip_blank(newlines=False)
            parts.append(self.key_part())
            self.skip_blank(newlines=False)
        return parts

    # --- values ---

    def value(self, path: str) -> None:
        """Skip one value, recording the lines of the items and keys inside it."""
        char = self.peek()
        if char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        elif self.peek(3) in ('"""', "'''"):
            quote = self.peek(3)
            end = self.pos + 3
            while True:
                end = self.text.index(quote, end)
                if quote == '"""':
                    backslashes = len(self.text[:end]) - len(self.text[:end].rstrip("\\"))
                    if backslashes % 2:
                        end += 1
                        continue
                break
            # Up to two quotes may directly precede the closing delimiter.
            while self.text[end + 3 : end + 4] == quote[0]:
                end += 1
            self.pos = end + 3
        elif char in "\"'":
            self.key_part()  # a one-line string reads like a quoted key
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in ",]}#\r\n":
                self.pos += 1

    def array(self, path: str) -> None:
        self.pos += 1  # [
        index = 0
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "]":
                self.pos += 1
                return
            if self.peek() == ",":
                self.pos += 1
                continue
            index += 1
            item = f"{path}[{index}]"
            self.lines[item] = self.line()
            self.value(item)

    def inline_table(self, path: str) -> None:
        self.pos += 1  # {
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "}":
                self.pos += 1
                return
            if self.peek() == ",":
                self.pos += 1
                continue
            self.key_value(path)

    def key_value(self, table: str) -> None:
        line = self.line()
        parts = self.dotted_key()
        path = table
        for part in parts:
            path = f"{path}.{part}" if path else part
            self.lines.setdefault(path, line)
        self.lines[path] = line
        self.skip_blank(newlines=False)
        self.pos += 1  # =
        self.skip_blank(newlines=False)
        self.value(path)

    # --- headers ---

    def header(self) -> str:
        """Read ``[a.b]`` or ``[[a.b]]``; return the loader's path of the table it opens."""
        line = self.line()
        is_array = self.peek(2) == "[["
        self.pos += 2 if is_array else 1
        self.skip_blank(newlines=False)
        parts = self.dotted_key()
        self.pos += 2 if is_array else 1
        # A key that names an array of tables refers to its last item ([fruit.physical]
        # after [[fruit]] is fruit[n].physical).
        path = ""
        for number, part in enumerate(parts, 1):
            plain = f"{path}.{part}" if path else part
            if number == len(parts) and is_array:
                count = self._arrays_of_tables.get(plain, 0) + 1
                self._arrays_of_tables[plain] = count
                self.lines.setdefault(plain, line)
                path = f"{plain}[{count}]"
            elif plain in self._arrays_of_tables:
                path = f"{plain}[{self._arrays_of_tables[plain]}]"
            else:
                path = plain
            self.lines.setdefault(path, line)
        self.lines[path] = line
        return path

    def document(self) -> None:
        table = ""
        while True:
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return
            if self.peek() == "[":
                table = self.header()
            else:
                self.key_value(table)
            self.skip_blank(newlines=False)
            if self.peek() == "#" or self.peek() in ("\r", "\n"):
                self.skip_line()


def field_lines(text: str) -> dict[str, int]:
    """Map every path in the TOML ``text`` (keys, tables, array items) to its first line.

    ``""`` (the whole file) is line 1. On text that ``tomllib`` would refuse, the
    paths found before the problem are returned.
    """
    scanner = _Scanner(text)
    with contextlib.suppress(ValueError, IndexError):
        scanner.document()
    return scanner.lines


def line_of(message: str, lines: dict[str, int]) -> int:
    """The line of the field a loader message starts with (``"<path>: ..."``).

    When that field is not in the file (a missing key, a default value) the line
    of the nearest table or array item that contains it; line 1 for the file.
    """
    best = ""
    for path in lines:
        if len(path) > len(best) and message.startswith(path):
            following = message[len(path) : len(path) + 1]
            if following in (":", ".", "["):
                best = path
    return lines[best]
