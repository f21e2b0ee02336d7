"""Uploaded pictures (product photos, partner logos, banners): checked by their content, never
by their name, then re-encoded and stored under instance/media/<folder>/ with a generated name.

A file is accepted only when Pillow reads it whole as JPEG, PNG, WebP or GIF within the byte
and dimension limits. The dimensions are read from the header before any pixel is decoded, so
a small file that claims a huge picture (a decompression bomb) is refused without the memory
it would take. What is stored is drawn again from the pixels alone: metadata (EXIF with GPS
position, comments, colour profiles) stays behind, and a photo's EXIF rotation is applied
first. An animation keeps its first frame only.
"""
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageOps

from storefront.db import database

FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
ACCEPTED = "JPEG, PNG, WebP or GIF"
_FOLDER = re.compile(r"[a-z0-9_-]+")


class ImageRejected(Exception):
    """The file is not an image we accept; the message says why and may be shown."""


# The app reads at most MAX_CONTENT_LENGTH (2 MB, config.py) a request. A picture's own limit
# stays under it, leaving room for the rest of the form, so that staff meet this limit and its
# message next to the picture field rather than a request refused whole.
PICTURE_BYTES = int(1.9 * 1024 * 1024)


@dataclass(frozen=True)
class Limits:
    """What an upload may be: its size in bytes, and its width, height and pixel count. The
    defaults are a product photo's; a caller always says which limits it checks against."""

    max_bytes: int = PICTURE_BYTES
    max_width: int = 4000
    max_height: int = 4000
    max_pixels: int = 16_000_000  # well under Image.MAX_IMAGE_PIXELS

    def in_words(self):
        """The limits as an upload field's hint says them."""
        return (f"At most {_megabytes(self.max_bytes)} and {self.max_width}×{self.max_height} "
                "pixels")

THUMBNAIL_BOX = (400, 400)  # a thumbnail fits in it, keeping the picture's proportions


@dataclass(frozen=True)
class Checked:
    """An image that passed the checks: its pixels as a fresh Pillow image (no metadata)."""

    image: Image.Image
    format: str  # a key of FORMATS

    @property
    def width(self):
        return self.image.width

    @property
    def height(self):
        return self.image.height


@dataclass(frozen=True)
class StoredImage:
    """Where a stored image and its thumbnail are, relative to the media folder."""

    filename: str
    thumbnail: str
    width: int
    height: int
    format: str


def _megabytes(size):
    return f"{size / (1024 * 1024):g} MB"


def _open(data):
    """Image.open restricted to the accepted formats, with Pillow's bomb check made strict:
    its warning (over MAX_IMAGE_PIXELS) is an error here, not a note in a log."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(BytesIO(data), formats=list(FORMATS))


def check(data, limits):
    """The image in data (bytes), decoded and without metadata; ImageRejected otherwise."""
    if not data:
        raise ImageRejected(f"The file is empty. Choose a {ACCEPTED} picture.")
    if len(data) > limits.max_bytes:
        raise ImageRejected(f"The file is too large ({_megabytes(len(data))}): a picture may "
                            f"be at most {_megabytes(limits.max_bytes)}.")
    try:
        with _open(data) as probe:
            image_format, (width, height) = probe.format, probe.size
            _check_size(width, height, limits)  # from the header, before decoding anything
            probe.verify()  # checksums and structure (a truncated PNG fails here)
        with _open(data) as image:
            image.seek(0)
            image.load()  # every pixel decodes (a truncated JPEG fails here)
            upright = ImageOps.exif_transpose(image)
            clean = _without_metadata(upright)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("The picture is far too large in pixels to be opened safely: it may "
                            f"be at most {limits.max_width}×{limits.max_height}.") from None
    except Exception:  # noqa: BLE001 (Pillow raises many kinds on a malformed file)
        raise ImageRejected(f"The file is not a picture we can read. Upload a {ACCEPTED} "
                            "image (a file renamed to .png is not one).") from None
    return Checked(clean, image_format)


def _check_size(width, height, limits):
    if width < 1 or height < 1:
        raise ImageRejected("The picture has no pixels.")
    if width > limits.max_width or height > limits.max_height or \
            width * height > limits.max_pixels:
        raise ImageRejected(
            f"The picture is {width}×{height} pixels: it may be at most "
            f"{limits.max_width}×{limits.max_height} ({limits.max_pixels // 1_000_000} "
            "million pixels).")


def _without_metadata(image):
    """A copy carrying the pixels (and a palette's transparency) and nothing else."""
    clean = image.copy()
    transparency = image.info.get("transparency")
    clean.info = {} if transparency is None else {"transparency": transparency}
    return clean


def _encoded(image, image_format):
    """The image as bytes of its own format, with nothing but the pixels."""
    out = BytesIO()
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=88, optimize=True)
    elif image_format == "WEBP":
        image.save(out, "WEBP", quality=88)
    else:
        image.save(out, image_format, optimize=True)
    return out.getvalue()


def _write_new(path, data):
    """Write a file that must not exist yet (names are random: a clash is never overwritten)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def store(checked, media_root, folder, thumbnail_box=THUMBNAIL_BOX):
    """Write a checked image and its thumbnail under media_root/folder with a random name;
    a StoredImage with both paths relative to media_root. Nothing is left on failure."""
    if not _FOLDER.fullmatch(folder):
        raise ValueError(f"not a media folder name: {folder!r}")
    directory = Path(media_root) / folder
    directory.mkdir(parents=True, exist_ok=True)
    stem, suffix = secrets.token_hex(16), FORMATS[checked.format]
    name, thumb_name = f"{folder}/{stem}{suffix}", f"{folder}/{stem}-thumb{suffix}"
    thumb = checked.image.copy()
    thumb.thumbnail(thumbnail_box)
    written = []
    try:
        for relative, image in ((name, checked.image), (thumb_name, thumb)):
            _write_new(Path(media_root) / relative, _encoded(image, checked.format))
            written.append(relative)
    except BaseException:
        remove(media_root, *written)
        raise
    return StoredImage(name, thumb_name, checked.width, checked.height, checked.format)


def check_and_store(data, media_root, folder, limits):
    """check() then store(): the StoredImage, or ImageRejected with nothing written."""
    return store(check(data, limits), media_root, folder)


def replace_upload(data, media_root, folder, limits, column, row_id):
    """Check a picture (bytes), store it under media_root/folder (without a thumbnail) and
    make it the one the row's column names (a path relative to media_root), then remove the
    picture it replaces when that was an upload to folder too (a partner's logo may also be a
    file of its theme). The new path; ImageRejected or a failed write leaves nothing behind."""
    stored = check_and_store(data, media_root, folder, limits)
    remove(media_root, stored.thumbnail)  # these pictures are shown whole
    model = column.model
    try:
        with database.atomic():
            old = model.select(column).where(model.id == row_id).scalar()
            model.update({column: stored.filename}).where(model.id == row_id).execute()
    except BaseException:
        remove(media_root, stored.filename)
        raise
    if old and old.startswith(f"{folder}/"):
        remove(media_root, old)
    return stored.filename


def remove(media_root, *names):
    """Delete stored files (paths relative to media_root); names outside it are ignored."""
    root = Path(media_root).resolve()
    for name in names:
        if not name:
            continue
        path = (root / name).resolve()
        if path.is_relative_to(root) and path != root:
            path.unlink(missing_ok=True)
