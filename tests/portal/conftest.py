import re

import pytest
from django.core.cache import cache

from automation.channels import MemorySmsBackend
from members.models import OutboundMessage
from portal.links import link_path
from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def _fresh(english, settings):
    """English pages, an empty rate-limit cache and an SMS backend that keeps
    what it sends."""
    cache.clear()
    settings.SMS_BACKEND = "automation.channels.MemorySmsBackend"
    MemorySmsBackend.sent.clear()
    yield
    cache.clear()


@pytest.fixture
def member(tiers):
    return MemberFactory(name="陳美玲", phone="+886912345678")


@pytest.fixture
def other_member(tiers):
    return MemberFactory(name="林志豪", phone="+886922333444")


def sign_in_as(client, member):
    """Open the member's personal link, as the receipt's QR code does."""
    response = client.get(link_path(member))
    assert response.status_code == 302, response.status_code
    return client


@pytest.fixture
def member_client(client, member):
    return sign_in_as(client, member)


def last_code(phone):
    """The code of the latest message to `phone`, read from the outbox row."""
    message = OutboundMessage.objects.filter(address=phone, purpose="member_code").latest("id")
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def read_svg_qr(svg) -> str:
    """What a phone's camera reads from one of our inline QR codes: the
    SVG path (segno's runs of dark modules) drawn as a picture and decoded
    by zxing-cpp."""
    import io

    import zxingcpp
    from PIL import Image, ImageDraw

    path = re.search(r'<path[^>]* d="([^"]+)"', str(svg)).group(1)
    x = y = 0.0
    runs = []
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            runs.append((x, y, float(a)))
            x += float(a)
    size = int(max(run[0] + run[2] for run in runs)) + 4
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x0, y0, length in runs:
        top = int(y0 - 0.5) * scale
        draw.rectangle(
            [int(x0) * scale, top, int(x0 + length) * scale - 1, top + scale - 1], fill=0
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())))
    return found.text
