"""The portal API's sign-in: a code by text message, then a resident token (or sign out)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shouwen.core.net import client_ip
from shouwen.core.throttling import AnonymousRequestThrottling
from shouwen.portal import auth, signin


class PortalView(APIView):
    """A portal endpoint: only a resident (token or page session) is let in."""

    authentication_classes = [auth.ResidentAuthentication, AnonymousRequestThrottling]
    permission_classes = [auth.IsResident]

    @property
    def resident(self) -> Any:
        return auth.resident_of(self.request)


class PublicPortalView(APIView):
    """A portal endpoint open to anyone (asking for a code, exchanging it for a token)."""

    authentication_classes = [AnonymousRequestThrottling]
    permission_classes: list[Any] = []


def _refusal(error: DjangoValidationError) -> Exception:
    if isinstance(error, signin.CodeThrottled):
        return Throttled(wait=error.wait, detail=error.messages[0])
    return ValidationError({"detail": error.messages})


class PortalCodeRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20, help_text="手机号（在物业登记的号码）")


class PortalTokenRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20)
    code = serializers.CharField(max_length=12)
    resident = serializers.IntegerField(
        required=False, help_text="该号码登记了多户时，选择的住户 id（见 409 答复的 choices）"
    )


class PortalTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="以 Authorization: Resident <token> 发送")
    resident = serializers.IntegerField()
    name = serializers.CharField()
    estate = serializers.CharField()


class CodeView(PublicPortalView):
    """Send a sign-in code to a resident's mobile (the same answer for a number nobody has)."""

    @extend_schema(
        request=PortalCodeRequestSerializer,
        responses={
            202: inline_serializer("PortalCodeSent", {"detail": serializers.CharField()}),
        },
        tags=["portal"],
    )
    def post(self, request: Request) -> Response:
        """Ask for a code by text message."""
        body = PortalCodeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            signin.request_code(body.validated_data["phone"], client_ip(request))
        except DjangoValidationError as error:
            raise _refusal(error) from None
        return Response({"detail": "如果该号码已在物业登记，验证码已发送。"}, status=status.HTTP_202_ACCEPTED)


class TokenView(PublicPortalView):
    """Exchange a correct code for a resident token."""

    @extend_schema(
        request=PortalTokenRequestSerializer,
        responses={
            201: PortalTokenSerializer,
            409: OpenApiResponse(
                inline_serializer(
                    "PortalResidentChoices",
                    {
                        "detail": serializers.CharField(),
                        "choices": inline_serializer(
                            "PortalResidentChoice",
                            {"resident": serializers.IntegerField(), "estate": serializers.CharField()},
                            many=True,
                        ),
                    },
                ),
                description="The number is registered for several households: send again with one of them",
            ),
        },
        tags=["portal"],
    )
    def post(self, request: Request) -> Response:
        """Check the code and return a token of the resident."""
        body = PortalTokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        wanted = data.get("resident")
        if wanted is not None:
            # Checked before the code is used up, so a wrong choice costs nothing but this answer.
            phone = signin.normalize_phone(data["phone"])
            if wanted not in [r.pk for r in signin.residents_of_phone(phone)]:
                raise ValidationError({"resident": ["该号码没有登记这一户。"]})
        else:
            phone = signin.normalize_phone(data["phone"])
            several = signin.residents_of_phone(phone) if signin.MOBILE.match(phone) else []
            if len(several) > 1:
                return Response(
                    {
                        "detail": "该号码登记了多户，请选择一户后再提交。",
                        "choices": [{"resident": r.pk, "estate": r.estate.name} for r in several],
                    },
                    status=status.HTTP_409_CONFLICT,
                )
        try:
            residents = signin.verify_code(data["phone"], data["code"], client_ip(request))
        except DjangoValidationError as error:
            raise _refusal(error) from None
        resident = next((r for r in residents if wanted is None or r.pk == wanted), residents[0])
        token = auth.issue_token(resident)
        return Response(
            {"token": token, "resident": resident.pk, "name": resident.name, "estate": resident.estate.name},
            status=status.HTTP_201_CREATED,
        )


class SignOutView(PortalView):
    """Revoke the token this request came with (or end the page session)."""

    @extend_schema(request=None, responses={204: None}, tags=["portal"])
    def post(self, request: Request) -> Response:
        """Sign out."""
        header = request.META.get("HTTP_AUTHORIZATION", "").split()
        if len(header) == 2 and header[0].lower() == auth.TOKEN_KEYWORD.lower():
            auth.revoke_token(header[1])
        else:
            auth.sign_out(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResidentTokenScheme(OpenApiAuthenticationExtension):
    """Document the portal's way in: ``Authorization: Resident …`` (or the resident's page session)."""

    target_class = "shouwen.portal.auth.ResidentAuthentication"
    name = "residentAuth"

    def get_security_definition(self, auto_schema: Any) -> Any:
        """Return the header scheme with its "Resident" prefix."""
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=auth.TOKEN_KEYWORD
        )
