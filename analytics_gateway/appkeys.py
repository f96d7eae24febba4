"""Typed keys of the application's shared state (settings, engine), importable by every face."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.config import Settings

__all__ = ["ENGINE_KEY", "SETTINGS_KEY"]

SETTINGS_KEY = web.AppKey("settings", Settings)
ENGINE_KEY = web.AppKey("engine", AsyncEngine)
