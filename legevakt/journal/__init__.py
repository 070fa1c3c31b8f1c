"""The journal: notes, their delivery to recipients, receipts and deadlines (pure Python).

``model`` is the domain (notes, recipients, delivery states, deadlines, what a receipt means, when to
alert); ``fhir`` the FHIR R4 mapping as pure dict builders and parsers (DocumentReference,
Communication, application receipts). No Qt, httpx or SQLAlchemy here.
"""
