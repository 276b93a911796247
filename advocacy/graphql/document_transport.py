"""Document ids on the wire: a request that names its document by id alone gets the document's
text from the server (see ``advocacy.graphql.trusted_documents``), over HTTP and over the
websocket. An unknown id answers ``PERSISTED_QUERY_NOT_FOUND``."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter
from strawberry.http.base import BaseRequestProtocol
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types import ExecutionResult

from advocacy.graphql.context import Context
from advocacy.graphql.trusted_documents import requested_document_id, unknown_document
from advocacy.web.documents import document_by_id


@dataclass
class DocumentRequestData(GraphQLRequestData):
    """A request that named its document by id; ``query`` is None when the id is unknown."""

    document_id: str = ""


class DocumentIdTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload: Any = message.get("payload")
        # Unacknowledged connections and reused ids are the base class's to refuse.
        if (
            self.connection_acknowledged
            and message.get("id") not in self.operations
            and isinstance(payload, dict)
            and not payload.get("query")
            and (document_id := requested_document_id(payload)) is not None
        ):
            text = document_by_id(document_id)
            if text is None:
                error = unknown_document(document_id).formatted
                await self.send_message({"id": message["id"], "type": "error", "payload": [error]})
                return
            payload["query"] = text
        await super().handle_subscribe(message)


class DocumentIdGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app, understanding document ids."""

    graphql_transport_ws_handler_class = DocumentIdTransportWSHandler

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A GET naming a document by id is a request, not a browser visit."""
        return super().should_render_graphql_ide(request) and not (
            {"documentId", "extensions"} & set(request.query_params)
        )

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        parsed = await super().parse_http_body(request)
        if not isinstance(parsed, GraphQLRequestData) or parsed.query is not None:
            return parsed  # the usual case: the text is there
        if request.method == "GET":
            raw: object = self.parse_query_params(request.query_params)
        elif "json" in (request.content_type or ""):
            raw = self.parse_json(await request.get_body())  # the body is read once, kept
        else:
            return parsed
        document_id = requested_document_id(raw) if isinstance(raw, dict) else None
        if document_id is None:
            return parsed
        values = {field.name: getattr(parsed, field.name) for field in fields(parsed)}
        values["query"] = document_by_id(document_id)
        return DocumentRequestData(**values, document_id=document_id)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        if isinstance(request_data, DocumentRequestData) and request_data.query is None:
            return ExecutionResult(data=None, errors=[unknown_document(request_data.document_id)])
        return await super().execute_single(
            request=request,
            request_adapter=request_adapter,
            sub_response=sub_response,
            context=context,
            root_value=root_value,
            request_data=request_data,
        )
