"""The JSON API for software connections. Every view is scoped to the organisation of the
connection key that authenticated the request; another organisation's document is a 404."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import ConnectionKeyAuthentication, request_key
from api.serializers import (
    IncomingQuerySerializer,
    InvoiceSerializer,
    InvoiceStatusSerializer,
    InvoiceSubmitSerializer,
    UblErrorSerializer,
)
from api.throttling import ConnectionKeyRateThrottle
from documents.models import Invoice, InvoiceDirection
from documents.services import invoice_mark_downloaded, invoice_submit, invoice_submit_ubl
from documents.ubl import MAX_UPLOAD_BYTES, UblInvalid, invoice_to_ubl, ubl_filename
from environments.models import Organisation


class UblParser(BaseParser):
    """Takes the request body as raw bytes; documents.ubl parses it safely."""

    media_type = "application/xml"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> bytes:  # type: ignore[override]
        if stream is None:
            return b""
        data: bytes = stream.read(MAX_UPLOAD_BYTES + 1)
        return data


class TextXmlParser(UblParser):
    media_type = "text/xml"


class DocumentPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(error.message_dict)
    return exceptions.ValidationError({"non_field_errors": error.messages})


class ConnectionApiView(APIView):
    authentication_classes = [ConnectionKeyAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ConnectionKeyRateThrottle]

    def organisation(self) -> Organisation:
        return request_key(self.request).connection.organisation

    def acting_user(self) -> Any:
        # API actions are recorded as the person who retrieved the key, on the key's behalf.
        return request_key(self.request).issued_by

    def invoices(self) -> QuerySet[Invoice]:
        return Invoice.objects.filter(organisation=self.organisation())

    def invoice(self, pk: int) -> Invoice:
        invoice = (
            self.invoices().select_related("organisation").prefetch_related("lines").filter(pk=pk).first()
        )
        if invoice is None:
            raise exceptions.NotFound
        return invoice


@extend_schema(
    tags=["documents"],
    summary="List incoming documents",
    parameters=[IncomingQuerySerializer],
    responses={200: InvoiceSerializer(many=True)},
)
class IncomingDocumentList(ConnectionApiView, ListAPIView):  # type: ignore[misc]
    """Incoming invoices of the key's organisation, oldest received first, paginated."""

    serializer_class = InvoiceSerializer
    pagination_class = DocumentPagination

    def get_queryset(self) -> QuerySet[Invoice]:
        query = IncomingQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        invoices = self.invoices().filter(direction=InvoiceDirection.INCOMING).prefetch_related("lines")
        if "since" in query.validated_data:
            invoices = invoices.filter(received_at__gte=query.validated_data["since"])
        if "status" in query.validated_data:
            invoices = invoices.filter(status=query.validated_data["status"])
        return invoices.order_by("received_at", "id")


class DocumentDetail(ConnectionApiView):
    @extend_schema(tags=["documents"], summary="Fetch a document as JSON", responses={200: InvoiceSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(InvoiceSerializer(self.invoice(pk)).data)


class DocumentUbl(ConnectionApiView):
    @extend_schema(
        tags=["documents"],
        summary="Fetch a document as UBL",
        description="The invoice as Peppol BIS Billing 3.0 UBL 2.1 XML.",
        responses={(200, "application/xml"): OpenApiResponse(response=OpenApiTypes.STR)},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        invoice = self.invoice(pk)
        response = HttpResponse(invoice_to_ubl(invoice), content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{ubl_filename(invoice)}"'
        return response


class DocumentDownloaded(ConnectionApiView):
    @extend_schema(
        tags=["documents"],
        summary="Mark an incoming document downloaded",
        request=None,
        responses={200: InvoiceStatusSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        invoice = self.invoice(pk)
        try:
            invoice = invoice_mark_downloaded(invoice=invoice, acting_user=self.acting_user())
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(InvoiceStatusSerializer(invoice).data)


class InvoiceSubmit(ConnectionApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["invoices"],
        summary="Submit an outgoing invoice and send it",
        request=InvoiceSubmitSerializer,
        responses={201: InvoiceSerializer},
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        serializer = InvoiceSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            invoice = invoice_submit(
                organisation=self.organisation(),
                acting_user=self.acting_user(),
                data=serializer.invoice_data(),
            )
        except DjangoValidationError as error:
            raise _validation_error(error) from error
        return Response(InvoiceSerializer(self.invoice(invoice.pk)).data, status=status.HTTP_201_CREATED)


class InvoiceSubmitUbl(ConnectionApiView):
    parser_classes = [UblParser, TextXmlParser]

    @extend_schema(
        tags=["invoices"],
        summary="Submit an outgoing invoice as UBL and send it",
        description=(
            "The body is a Peppol BIS Billing 3.0 invoice (Content-Type: application/xml) whose "
            "supplier is the key's organisation. Invalid files are refused with every problem listed."
        ),
        request={"application/xml": OpenApiTypes.STR},
        responses={201: InvoiceSerializer, 400: UblErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, bytes) or not data:
            raise exceptions.ValidationError({"ubl": ["Send the UBL invoice as the request body."]})
        try:
            invoice = invoice_submit_ubl(
                organisation=self.organisation(), acting_user=self.acting_user(), data=data
            )
        except UblInvalid as invalid:
            raise exceptions.ValidationError({"ubl": invalid.problems}) from invalid
        return Response(InvoiceSerializer(self.invoice(invoice.pk)).data, status=status.HTTP_201_CREATED)


class InvoiceStatusView(ConnectionApiView):
    @extend_schema(
        tags=["invoices"],
        summary="Read an invoice's status",
        parameters=[OpenApiParameter("pk", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: InvoiceStatusSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(InvoiceStatusSerializer(self.invoice(pk)).data)
