"""Query functions: keyword-only ``async def get_x(*, conn, ...)``, each returning plain values.

The analytics layer (``resolvers``) is their only caller; nothing above it writes SQL.
"""
