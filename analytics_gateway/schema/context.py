"""What every GraphQL resolver receives: the request's analytics context and its dataloaders."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.loaders import Loaders

__all__ = ["GraphQLContext", "Info"]


@dataclass
class GraphQLContext:
    """One GraphQL request: who asks (``analytics.viewer``), and the loaders shared by its fields."""

    analytics: AnalyticsContext
    loaders: Loaders


Info = strawberry.Info[GraphQLContext, None]
