"""The schema: domain query/mutation classes merged, with limits and error masking."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from advocacy.config import Settings, get_settings
from advocacy.graphql.advocate_gift import AdvocateGiftMutation, AdvocateGiftQuery
from advocacy.graphql.advocates import AdvocateMutation, AdvocateQuery
from advocacy.graphql.analytics import AnalyticsQuery
from advocacy.graphql.asks import AskMutation, AskQuery
from advocacy.graphql.document_limits import MaxDocumentLength
from advocacy.graphql.engagement import EngagementMutation, EngagementQuery
from advocacy.graphql.errors import ApiError, MaskInternalErrors, log
from advocacy.graphql.execution import FastLeafExecutionContext, install_lean_resolvers
from advocacy.graphql.gifting import GiftingMutation, GiftingQuery
from advocacy.graphql.live import Subscription
from advocacy.graphql.node import NODE_TYPES, NodeQuery
from advocacy.graphql.programs import ProgramMutation, ProgramQuery
from advocacy.graphql.read_arguments import ReadArgumentChecks
from advocacy.graphql.reconciliation import ReconciliationMutation
from advocacy.graphql.referrals import ReferralMutation, ReferralQuery
from advocacy.graphql.rules import RuleMutation, RuleQuery
from advocacy.graphql.scalars import SCALAR_MAP
from advocacy.graphql.suggestions import QuietExecutionContext, QuietValidationCache
from advocacy.graphql.tenancy import TenancyMutation, TenancyQuery
from advocacy.graphql.trusted_documents import TrustedDocuments
from advocacy.graphql.webhooks import WebhookMutation, WebhookQuery

Query = merge_types(
    "Query",
    (
        TenancyQuery,
        NodeQuery,
        AdvocateQuery,
        ProgramQuery,
        GiftingQuery,
        ReferralQuery,
        RuleQuery,
        EngagementQuery,
        AskQuery,
        AnalyticsQuery,
        WebhookQuery,
        AdvocateGiftQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        TenancyMutation,
        AdvocateMutation,
        ProgramMutation,
        GiftingMutation,
        ReconciliationMutation,
        ReferralMutation,
        RuleMutation,
        EngagementMutation,
        AskMutation,
        WebhookMutation,
        AdvocateGiftMutation,
    ),
)


def _validation_rules(settings: Settings) -> list[type[ASTValidationRule]]:
    """Built once per schema: the validation cache keys on these classes, so they must not be
    recreated per request."""
    rules: list[type[ASTValidationRule]] = []
    rules.extend(QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules)
    rules.extend(MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules)
    if not settings.introspection_enabled:
        from graphql.validation import NoSchemaIntrospectionCustomRule

        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


class AdvocacySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only what the operator must look at. Errors the client caused (bad queries,
        missing auth, bad input) are its answer, not our incident; unexpected errors were
        already logged with their traceback when they were masked (``should_mask``)."""
        for error in errors:
            if error.original_error is None or isinstance(error.original_error, ApiError):
                log.debug("client error: %s", error.message)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or get_settings()
    rules = _validation_rules(settings)
    extensions: list[Callable[[], SchemaExtension]] = [
        MaxDocumentLength,  # first: before anything lexes the document
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=512),
        # No suggestions where the schema is hidden (they would rebuild it): suggestions.py.
        (lambda: ValidationCache(maxsize=512))
        if settings.introspection_enabled
        else QuietValidationCache,
        ReadArgumentChecks,
        MaskInternalErrors,
    ]
    if settings.trusted_documents:  # after ValidationCache, which sets the validation result
        extensions.insert(-1, TrustedDocuments)
    schema = AdvocacySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(NODE_TYPES.values()),
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        execution_context_class=(
            FastLeafExecutionContext if settings.introspection_enabled else QuietExecutionContext
        ),
    )
    install_lean_resolvers(schema)
    return schema


@lru_cache(maxsize=1)
def default_schema() -> strawberry.Schema:
    return build_schema()


def schema_sdl() -> str:
    """The SDL as committed in ``frontend-schema/schema.graphql`` (introspection settings don't
    change the types, so any settings give the same text)."""
    return default_schema().as_str() + "\n"


__all__: list[Any] = ["Mutation", "Query", "build_schema", "default_schema", "schema_sdl"]
