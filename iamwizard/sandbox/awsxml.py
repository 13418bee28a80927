"""Query-protocol responses as AWS writes them."""
import base64
import uuid
from xml.sax.saxutils import escape

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"

# code -> HTTP status, as in IAM's service model
STATUS = {
    "ValidationError": 400,
    "InvalidInput": 400,
    "PasswordPolicyViolation": 400,
    "InvalidUserType": 400,
    "EntityAlreadyExists": 409,
    "DeleteConflict": 409,
    "LimitExceeded": 409,
    "EntityTemporarilyUnmodifiable": 409,
    "NoSuchEntity": 404,
    "InvalidAuthenticationCode": 403,
    "AccessDenied": 403,
}


class Response:
    def __init__(self, status, body, content_type="text/xml"):
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.content_type = content_type

    def __call__(self, environ, start_response):
        reasons = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                   404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 500: "Internal Server Error"}
        start_response(f"{self.status} {reasons.get(self.status, 'Error')}",
                       [("Content-Type", self.content_type), ("Content-Length", str(len(self.body))),
                        ("x-amzn-RequestId", request_id())])
        return [self.body]


def request_id():
    return str(uuid.uuid4())


class IAMError(Exception):
    """Raised by handlers; rendered as AWS's <ErrorResponse>."""

    def __init__(self, code, message, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS.get(code, 400)

    def response(self):
        kind = "Receiver" if self.status >= 500 else "Sender"
        body = (f'<ErrorResponse xmlns="{IAM_NS}"><Error><Type>{kind}</Type>'
                f"<Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message></Error>"
                f"<RequestId>{request_id()}</RequestId></ErrorResponse>")
        return Response(self.status, body)


def result(action, inner="", namespace=IAM_NS):
    """A success response; `inner` is the XML inside <ActionResult> (omitted when empty)."""
    result_xml = f"<{action}Result>{inner}</{action}Result>" if inner else ""
    body = (f'<{action}Response xmlns="{namespace}">{result_xml}'
            f"<ResponseMetadata><RequestId>{request_id()}</RequestId></ResponseMetadata></{action}Response>")
    return Response(200, body)


def element(name, value):
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{name}>{escape(str(value))}</{name}>"


def blob(name, data):
    return f"<{name}>{base64.b64encode(data).decode('ascii')}</{name}>"
