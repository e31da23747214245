"""Remote sources behind the `SourceConnector` protocol: Git repositories, GitHub, Google Drive, websites.

Each connector lists what changed since its cursor, reads one item at a time, and turns a remote
failure into a `FetchError` for that item (or the listing) after retries; a rate limit is waited
out, never failed. `build.connector_for` builds one from a registered source and its credentials.
"""
