"""OCDS 1.1 export of a tender: a release package, core schema only (no extensions).

Where a reader of the data finds what (``mapping`` builds it, ``source`` reads it):

- ``ocid`` is ``<OCDS_PREFIX>-<tender reference>``. Each stage that has happened is
  one release, dated at that stage and with a stable id: ``<ocid>-planning`` (the
  criteria file loaded), ``<ocid>-tender`` (publication, the dates as published),
  ``<ocid>-tender-wijziging-<n>`` (tenderAmendment: a published schedule change),
  ``<ocid>-opening`` (tenderUpdate: ``numberOfTenderers``), ``<ocid>-award-<version>``
  (the letters of that decision version sent: awards ``pending`` during the
  standstill), ``<ocid>-award-<version>-ingetrokken`` (awardCancellation: a withdrawn
  decision, its awards ``cancelled``), ``<ocid>-contract`` (the definitive award:
  awards ``active`` and the framework contracts) and ``<ocid>-tender-ingetrokken``
  (tenderCancellation). ``publishedDate`` is the latest release's date, so the same
  state always gives the same bytes.
- **Lots** (not in core OCDS): each lot x target group is an item of ``tender.items``
  with id ``<lot code>-<target group code>`` (CPV 85312000; the description names the
  lot, target group and municipalities). Each lot has one award per decision version,
  id ``award-<version>-<lot code>``, titled ``Perceel <code>: <name>``, whose
  ``items`` are that lot's items and whose ``suppliers`` are the awarded bidders (in
  ranked award best first). Each contract (``contract-<version>-<lot>-<KvK>``) is one
  awarded bidder's framework contract for one lot; its ``items`` are the target
  groups it serves there.
- **Award criteria**: ``awardCriteria`` is ``ratedCriteria``; the criteria with weights
  and minimums, the scale and the award mode are Dutch text in
  ``awardCriteriaDetails`` (the price is fixed; quality alone decides).
- **Parties**: the contracting authority (``buyer``, ``procuringEntity``), each
  municipality (``payer``, id ``gemeente-<CBS code>``) and, from the letters on, every
  bidder (``tenderer``; ``supplier`` when awarded) with its KvK number (scheme
  ``NL-KVK``) and place. Before the decision no bidder is named.
- Never published: people (evaluators, officers, contact persons), plan content,
  network partners, attachments, scores and motivations.
"""

from tender.ocds.export import filename, package_json, release_package

__all__ = ["filename", "package_json", "release_package"]
