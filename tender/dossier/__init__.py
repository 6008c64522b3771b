"""The evaluation dossier: one reproducible ZIP per tender ("volledig") or per bidder ("inzage")."""
