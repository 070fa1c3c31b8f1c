"""One repository per aggregate. Each takes the ``UnitOfWork`` of ``legevakt.store.engine`` it works in;
none opens a transaction or imports the ``Store`` facade (``legevakt.store.db``)."""
