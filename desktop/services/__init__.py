"""Qt-free business logic: one package per domain, above the shared pieces of common/."""

from desktop.services.common import search_index

# Whatever service a program uses, its SQLite commits index the rows they changed: the one
# place every caller passes through, since desktop.db (below the services) cannot hold the fold.
search_index.install()
