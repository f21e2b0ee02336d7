"""Uploaded pictures: only real images by content, within limits, stored without metadata."""
import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from storefront.web import images

LIMITS = images.Limits()  # a product photo's: 1.9 MB, 4000×4000, 16 million pixels


def picture(image_format="PNG", size=(64, 48), color=(200, 120, 40), **save):
    """A real image made with Pillow, as the bytes of a file of that format."""
    mode = "P" if image_format == "GIF" else "RGB"
    image = Image.new("RGB", size, color)
    if mode == "P":
        image = image.convert("P")
    out = BytesIO()
    image.save(out, image_format, **save)
    return out.getvalue()


def jpeg_with_gps():
    """A JPEG carrying EXIF: a camera model and a GPS position (where the photo was taken)."""
    exif = Image.Exif()
    exif[0x0110] = "Pocket Camera 3"  # Model
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (0.0, 7.0, 40.0)}  # GPSInfo
    return picture("JPEG", exif=exif)


def _chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + \
        struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_claiming(width, height):
    """A tiny, well-formed PNG whose header claims width×height pixels (a decompression
    bomb: the IDAT is a few bytes that would inflate to gigabytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + _chunk(b"IEND", b""))


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP", "GIF"])
def test_a_real_image_is_stored_with_a_generated_name_and_a_thumbnail(tmp_path, image_format):
    stored = images.check_and_store(picture(image_format, size=(1200, 600)), tmp_path,
                                    "products", LIMITS)
    assert stored.format == image_format and (stored.width, stored.height) == (1200, 600)
    assert stored.filename.startswith("products/") and stored.thumbnail.startswith("products/")
    suffix = images.FORMATS[image_format]
    assert stored.filename.endswith(suffix) and len(stored.filename) == len(
        "products/") + 32 + len(suffix)
    with Image.open(tmp_path / stored.filename) as full:
        assert full.format == image_format and full.size == (1200, 600)
    with Image.open(tmp_path / stored.thumbnail) as thumb:
        assert thumb.size == (400, 200)  # fits the box, keeps the proportions
    again = images.check_and_store(picture(image_format), tmp_path, "products", LIMITS)
    assert again.filename != stored.filename  # random, never derived from the upload


@pytest.mark.parametrize("data, why", [
    (b"just some text, not a picture\n" * 10, "not a picture we can read"),
    (b"", "empty"),
    (picture("BMP"), "not a picture we can read"),  # Pillow reads BMP, but we do not take it
    (picture("TIFF"), "not a picture we can read"),
    (picture("PNG", size=(300, 200))[:-40], "not a picture we can read"),  # truncated
    (picture("JPEG", size=(300, 200))[:400], "not a picture we can read"),  # truncated
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "not a picture we can read"),  # a header only
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
     "not a picture we can read"),
])
def test_anything_but_a_whole_accepted_image_is_refused_and_nothing_is_written(
        tmp_path, data, why):
    with pytest.raises(images.ImageRejected, match=why):
        images.check_and_store(data, tmp_path, "products", LIMITS)
    assert not (tmp_path / "products").exists() or not any((tmp_path / "products").iterdir())


def test_a_header_claiming_huge_dimensions_is_refused_before_decoding():
    bomb = png_claiming(50_000, 50_000)
    assert len(bomb) < 200
    # Over Image.MAX_IMAGE_PIXELS: Pillow's guard, made strict, refuses it at open.
    with pytest.raises(images.ImageRejected, match="far too large in pixels .* at most 4000"):
        images.check(bomb, LIMITS)
    with pytest.raises(images.ImageRejected, match="far too large in pixels"):
        images.check(bomb, images.Limits(max_width=10**6, max_height=10**6,
                                         max_pixels=10**12))  # whatever our own limits say
    # Under Pillow's guard, our own limits read from the header refuse it.
    with pytest.raises(images.ImageRejected, match="7000×7000 pixels: it may be at most"):
        images.check(png_claiming(7000, 7000), LIMITS)


def test_byte_and_dimension_limits(tmp_path):
    limits = images.Limits(max_bytes=50_000, max_width=500, max_height=400,
                           max_pixels=150_000)
    noisy = Image.effect_noise((400, 400), 80).convert("RGB")
    out = BytesIO()
    noisy.save(out, "PNG")
    with pytest.raises(images.ImageRejected, match="too large .* at most 0.0476837 MB"):
        images.check(out.getvalue(), limits)
    with pytest.raises(images.ImageRejected, match="600×100 pixels: it may be at most 500×400"):
        images.check(picture("PNG", size=(600, 100)), limits)
    with pytest.raises(images.ImageRejected, match="400×400 pixels"):
        images.check(picture("PNG", size=(400, 400)), limits)  # over max_pixels
    assert images.check(picture("PNG", size=(500, 300)), limits).width == 500


def test_exif_and_its_gps_position_are_stripped(tmp_path):
    original = jpeg_with_gps()
    with Image.open(BytesIO(original)) as before:
        assert before.getexif().get_ifd(0x8825)  # the upload does carry a position
    stored = images.check_and_store(original, tmp_path, "products", LIMITS)
    for name in (stored.filename, stored.thumbnail):
        data = (tmp_path / name).read_bytes()
        assert b"Exif" not in data and b"Pocket Camera" not in data
        with Image.open(tmp_path / name) as after:
            assert not after.getexif() and "exif" not in after.info


def test_png_text_and_colour_profile_are_dropped_but_transparency_kept(tmp_path):
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Someone Private")
    image = Image.new("P", (20, 20), 1)
    image.putpalette([0, 0, 0, 255, 0, 0])
    out = BytesIO()
    image.save(out, "PNG", pnginfo=info, transparency=1)
    stored = images.check_and_store(out.getvalue(), tmp_path, "logos", LIMITS)
    data = (tmp_path / stored.filename).read_bytes()
    assert b"Someone Private" not in data
    with Image.open(tmp_path / stored.filename) as after:
        assert after.convert("RGBA").getpixel((5, 5))[3] == 0  # still see-through


def test_a_photo_turned_by_its_exif_is_stored_upright(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    stored = images.check_and_store(picture("JPEG", size=(80, 40), exif=exif), tmp_path,
                                    "products", LIMITS)
    assert (stored.width, stored.height) == (40, 80)


def test_remove_deletes_only_under_the_media_folder(tmp_path):
    media = tmp_path / "media"
    stored = images.check_and_store(picture(), media, "products", LIMITS)
    outside = tmp_path / "keep.txt"
    outside.write_text("keep")
    images.remove(media, stored.filename, stored.thumbnail, "../keep.txt", "", "products/none")
    assert outside.exists()
    assert not (media / stored.filename).exists() and not (media / stored.thumbnail).exists()
    with pytest.raises(ValueError):
        images.check_and_store(picture(), media, "../elsewhere", LIMITS)
