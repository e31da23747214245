"""The MCP door: the knowledge base as an MCP server (tools and resources), over stdio and streamable HTTP.

    server.py     the low-level MCP `Server`: tools, resources, errors as MCP errors
    tools.py      the tools (the agent's definitions and services, structured results)
    resources.py  documents and tables as `pam://` resources
    http.py       streamable HTTP at `/mcp` in the app: credentials, origin check, stateless sessions
    stdio.py      `pam mcp`: the same server over stdio, as a configured API key's user
    proxy.py      `pam mcp --url`: stdio forwarded to a running server's `/mcp`

It sits between the doors that mount it (`pam.api`, `pam.cli`) and the use cases (`pam.services`),
and like the other doors it builds no queries.
"""
