"""Typed keys of the application's shared state (settings, engine, cache), importable by every face."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.config import Settings
from analytics_gateway.resolvers.cache import ResultCache

__all__ = ["CACHE_KEY", "ENGINE_KEY", "SETTINGS_KEY"]

SETTINGS_KEY = web.AppKey("settings", Settings)
ENGINE_KEY = web.AppKey("engine", AsyncEngine)
# The process's analytics result cache; None when caching is off (``--cache-entries 0``).
CACHE_KEY: web.AppKey[ResultCache | None] = web.AppKey("result_cache")
