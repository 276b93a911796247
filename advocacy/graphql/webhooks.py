"""Outbound webhooks: endpoints (ADMIN only: they hold integration secrets), deliveries and
redelivery. How receivers verify a delivery is in the README."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON

from advocacy.graphql.context import Info
from advocacy.graphql.errors import UserError
from advocacy.graphql.ids import decode_id, encode_id, filter_id
from advocacy.graphql.mutations import Refused, mutate, run_mutation
from advocacy.graphql.pagination import Connection, connection_from_query
from advocacy.graphql.permissions import IsAdmin
from advocacy.graphql.types import Node
from advocacy.graphql.unset import maybe
from advocacy.tenancy.principal import Principal
from advocacy.webhooks import service
from advocacy.webhooks.events import EventType
from advocacy.webhooks.models import DeliveryStatus, EndpointStatus
from advocacy.webhooks.models import WebhookDelivery as DeliveryModel
from advocacy.webhooks.models import WebhookEndpoint as EndpointModel
from advocacy.webhooks.queries import DeliveryFilter as DeliveryFilterQuery
from advocacy.webhooks.queries import deliveries_query

strawberry.enum(EventType, name="WebhookEventType", description="What a webhook reports.")
strawberry.enum(EndpointStatus, name="WebhookEndpointStatus")
strawberry.enum(DeliveryStatus, name="WebhookDeliveryStatus")


@strawberry.type(description="Where the organization's events go.")
class WebhookEndpoint(Node):
    pk: strawberry.Private[int]
    url: str
    description: str | None
    event_types: list[EventType]
    status: EndpointStatus
    consecutive_failures: int = strawberry.field(
        description="Failed attempts in a row; too many disable the endpoint."
    )
    disabled_at: dt.datetime | None
    disabled_reason: str | None = strawberry.field(
        description="Why it was disabled: by an administrator, or after failed deliveries."
    )
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(encode_id("WebhookEndpoint", row.id)),
            pk=row.id,
            url=row.url,
            description=row.description,
            event_types=[EventType(value) for value in row.event_types],
            status=EndpointStatus(row.status),
            consecutive_failures=row.consecutive_failures,
            disabled_at=row.disabled_at,
            disabled_reason=row.disabled_reason,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="Deliveries to this endpoint, newest first.")
    async def deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        statuses: list[DeliveryStatus] | None = None,
    ) -> Connection[WebhookDelivery]:
        flt = DeliveryFilterQuery(
            endpoint_id=self.pk, statuses=tuple(statuses) if statuses else None
        )
        return await deliveries_connection(info, flt, first, after)


@strawberry.type(description="One event, as receivers get it.")
class WebhookEvent:
    id: str = strawberry.field(description="Stable across retries: de-duplicate on it.")
    type: EventType
    created_at: dt.datetime
    data: JSON = strawberry.field(description="The object, as the API shows it.")


@strawberry.type(description="One event to one endpoint, and how its attempts went.")
class WebhookDelivery(Node):
    pk: strawberry.Private[int]
    endpoint_id: strawberry.Private[int]
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime
    last_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    event: WebhookEvent

    @classmethod
    def from_row(cls, row: Any) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(encode_id("WebhookDelivery", row.id)),
            pk=row.id,
            endpoint_id=row.endpoint_id,
            status=DeliveryStatus(row.status),
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_attempt_at=row.last_attempt_at,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            delivered_at=row.delivered_at,
            created_at=row.created_at,
            event=WebhookEvent(
                id=row.event_uid,
                type=EventType(row.event_type),
                created_at=row.event_created_at,
                data=row.event_payload,
            ),
        )

    @strawberry.field
    async def endpoint(self, info: Info) -> WebhookEndpoint | None:
        return await info.context.loaders.webhook_endpoint.load(self.endpoint_id)


async def deliveries_connection(
    info: Info, flt: DeliveryFilterQuery, first: int | None, after: str | None
) -> Connection[WebhookDelivery]:
    query = deliveries_query(info.context.organization_id, flt)
    return await connection_from_query(
        info.context.session, query, WebhookDelivery.from_row, first, after
    )


@strawberry.input
class WebhookDeliveryFilter:
    endpoint_id: strawberry.ID | None = None
    statuses: list[DeliveryStatus] | None = None
    event_type: EventType | None = None


@strawberry.input
class CreateWebhookEndpointInput:
    url: str = strawberry.field(description="https only in production.")
    event_types: list[EventType]
    description: str | None = None


@strawberry.input(description="Omitted fields keep their value.")
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    url: str | None = strawberry.UNSET
    event_types: list[EventType] | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


@strawberry.input
class WebhookEndpointIdInput:
    id: strawberry.ID


@strawberry.input
class RedeliverWebhookInput:
    delivery_id: strawberry.ID


@strawberry.type
class WebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookSecretPayload:
    webhook_endpoint: WebhookEndpoint | None = None
    secret: str | None = strawberry.field(
        default=None, description="The signing secret: shown only in this answer."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteWebhookEndpointPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RedeliverWebhookPayload:
    webhook_delivery: WebhookDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _with_secret(result: service.EndpointWithSecret) -> WebhookSecretPayload:
    return WebhookSecretPayload(
        webhook_endpoint=WebhookEndpoint.from_row(result.endpoint), secret=result.secret
    )


def _endpoint_payload(row: EndpointModel) -> WebhookEndpointPayload:
    return WebhookEndpointPayload(webhook_endpoint=WebhookEndpoint.from_row(row))


@strawberry.type
class WebhookQuery:
    @strawberry.field(permission_classes=[IsAdmin], description="Webhook endpoints, oldest first.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        rows = await service.endpoints_of(info.context.session, info.context.organization_id)
        return [WebhookEndpoint.from_row(row) for row in rows]

    @strawberry.field(permission_classes=[IsAdmin], description="Deliveries, newest first.")
    async def webhook_deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: WebhookDeliveryFilter | None = None,
    ) -> Connection[WebhookDelivery]:
        flt = DeliveryFilterQuery()
        if filter is not None:
            flt = DeliveryFilterQuery(
                endpoint_id=filter_id(filter.endpoint_id, "WebhookEndpoint"),
                statuses=tuple(filter.statuses) if filter.statuses else None,
                event_type=str(filter.event_type) if filter.event_type else None,
            )
        return await deliveries_connection(info, flt, first, after)


def _id(raw: strawberry.ID, type_name: str = "WebhookEndpoint", field: str = "id") -> int:
    return decode_id(raw, type_name, field)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(permission_classes=[IsAdmin])
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> WebhookSecretPayload:
        async def work(session: AsyncSession, principal: Principal) -> service.EndpointWithSecret:
            return await service.create_endpoint(
                session, principal, input.url, input.event_types, input.description
            )

        return await mutate(info, work, WebhookSecretPayload, _with_secret)

    @strawberry.mutation(permission_classes=[IsAdmin])
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> WebhookEndpointPayload:
        async def work(session: AsyncSession, principal: Principal) -> EndpointModel:
            url, types = maybe(input.url), maybe(input.event_types)
            changes = service.EndpointChanges(
                url=url if url is not None else "",
                event_types=types if types is not None else [],
                description=maybe(input.description),
            )
            return await service.update_endpoint(session, principal, _id(input.id), changes)

        return await mutate(info, work, WebhookEndpointPayload, _endpoint_payload)

    @strawberry.mutation(
        permission_classes=[IsAdmin], description="Stop deliveries; they wait, nothing is lost."
    )
    async def disable_webhook_endpoint(
        self, info: Info, input: WebhookEndpointIdInput
    ) -> WebhookEndpointPayload:
        return await _set_enabled(info, input, enabled=False)

    @strawberry.mutation(
        permission_classes=[IsAdmin], description="Resume: waiting deliveries go out at once."
    )
    async def enable_webhook_endpoint(
        self, info: Info, input: WebhookEndpointIdInput
    ) -> WebhookEndpointPayload:
        return await _set_enabled(info, input, enabled=True)

    @strawberry.mutation(permission_classes=[IsAdmin])
    async def rotate_webhook_secret(
        self, info: Info, input: WebhookEndpointIdInput
    ) -> WebhookSecretPayload:
        async def work(session: AsyncSession, principal: Principal) -> service.EndpointWithSecret:
            return await service.rotate_secret(session, principal, _id(input.id))

        return await mutate(info, work, WebhookSecretPayload, _with_secret)

    @strawberry.mutation(permission_classes=[IsAdmin])
    async def delete_webhook_endpoint(
        self, info: Info, input: WebhookEndpointIdInput
    ) -> DeleteWebhookEndpointPayload:
        async def work(session: AsyncSession, principal: Principal) -> int:
            return await service.delete_endpoint(session, principal, _id(input.id))

        return await mutate(
            info,
            work,
            DeleteWebhookEndpointPayload,
            lambda pk: DeleteWebhookEndpointPayload(
                deleted_id=strawberry.ID(encode_id("WebhookEndpoint", pk))
            ),
        )

    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Send one delivery again (same event id), with a fresh retry window.",
    )
    async def redeliver_webhook(
        self, info: Info, input: RedeliverWebhookInput
    ) -> RedeliverWebhookPayload:
        async def work(session: AsyncSession, principal: Principal) -> DeliveryModel:
            delivery_id = _id(input.delivery_id, "WebhookDelivery", "deliveryId")
            return await service.redeliver(session, principal, delivery_id)

        result = await run_mutation(info, work)
        if isinstance(result, Refused):
            return RedeliverWebhookPayload(errors=result.errors)
        return RedeliverWebhookPayload(
            webhook_delivery=await info.context.loaders.webhook_delivery.load(result.id or 0)
        )


async def _set_enabled(
    info: Info, input: WebhookEndpointIdInput, *, enabled: bool
) -> WebhookEndpointPayload:
    async def work(session: AsyncSession, principal: Principal) -> EndpointModel:
        return await service.set_enabled(session, principal, _id(input.id), enabled)

    return await mutate(info, work, WebhookEndpointPayload, _endpoint_payload)
