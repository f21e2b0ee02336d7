"""Back office → Catalogue → Import and export (admin): the catalogue as CSV, and a CSV that
creates or updates products by SKU.

An upload is checked whole and previewed (counts, and every refused row with its line); the
file waits under instance/imports/ until the admin confirms. The confirmed import runs on its
own (import_jobs: one transaction, then open orders follow changed availabilities), and the
page streams its progress for WATCH_SECONDS, then links to a page that follows it further.
"""
import csv
import io
import time
from datetime import date
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, redirect, render_template,
                   request, stream_template, stream_with_context, url_for)
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import HiddenField
from wtforms.validators import InputRequired, Length

from storefront.accounts.current import current_staff, staff_route
from storefront.backoffice import import_files, import_jobs, stock
from storefront.catalogue import csvio
from storefront.catalogue.models import Availability
from storefront.payments import gateway
from storefront.portal.export import cell
from storefront.web.errors import render_error
from storefront.web.pipeline import allow_upload

bp = Blueprint("backoffice_import", __name__, url_prefix="/staff/catalogue/import-export",
               template_folder="templates")
ADMIN = ("admin",)
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # 100,000 products take about 15 MB
SHOWN_PROBLEMS = 1000
WATCH_SECONDS = 20  # how long a page follows an import before it offers to go on
POLL_SECONDS = 0.25


class UploadForm(FlaskForm):
    """The file to check."""

    file = FileField("CSV file (UTF-8)", validators=[FileRequired("Choose a CSV file.")],
                     render_kw={"accept": ".csv,text/csv"})


class ConfirmForm(FlaskForm):
    """The previewed file: its kept name and digest."""

    token = HiddenField(validators=[InputRequired(), Length(max=40)])
    digest = HiddenField(validators=[InputRequired(), Length(max=64)])


def _folder():
    return Path(current_app.config["INSTANCE_PATH"]) / "imports"


def _limit_mb():
    return f"{preview.upload_limit / (1024 * 1024):g}"


def _page(form, status=200):
    return render_template("backoffice/import_page.html", form=form, limit_mb=_limit_mb(),
                           labels=Availability.LABELS), status


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A file over the upload limit: nothing was read; the page says so next to the field."""
    staff = current_staff()
    if staff is None or "admin" not in staff.role_set:
        return render_error(413)
    form = UploadForm(formdata=None)
    form.file.errors = [f"The file is larger than {_limit_mb()} MB, so nothing was read. "
                        "Split it into smaller files and import them one after another."]
    return _page(form, 413)


@bp.get("/")
@staff_route(*ADMIN)
def page():
    """Export the catalogue, or upload a file to import."""
    return _page(UploadForm(formdata=None))


def _safe(value):
    """A cell a spreadsheet will not run as a formula; a leading apostrophe is doubled, since
    the import takes one off."""
    return "'" + value if value.startswith("'") else cell(value)


def _csv_chunks(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")  # so a spreadsheet reads the file as UTF-8
    for number, row in enumerate(rows, 1):
        writer.writerow([_safe(value) for value in row])
        if number % 1000 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


@bp.get("/catalogue.csv")
@staff_route(*ADMIN)
def export():
    """Every product, hidden ones too, streamed: the columns the import reads."""
    return Response(stream_with_context(_csv_chunks(csvio.export_rows())),
                    mimetype="text/csv", headers={
                        "Content-Disposition": f'attachment; filename="catalogue-'
                                               f'{date.today().isoformat()}.csv"'})


@bp.post("/preview")
@allow_upload(MAX_UPLOAD_BYTES)
@staff_route(*ADMIN)
def preview():
    """Check the uploaded file and show what importing it would do; nothing is written."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    data = form.file.data.read()
    kept = import_files.keep(_folder(), data)
    outcome = csvio.check(data)
    if outcome.problems or not (outcome.created or outcome.updated):
        import_files.discard(_folder(), kept.token)
    return render_template(
        "backoffice/import_preview.html", outcome=outcome, kept=kept,
        filename=form.file.data.filename or "the file", size=len(data),
        confirm=ConfirmForm(formdata=None, data={"token": kept.token, "digest": kept.digest}),
        form=UploadForm(formdata=None), shown=SHOWN_PROBLEMS, labels=Availability.LABELS,
        changing_lines=stock.LINE_STATUS_FOR_AVAILABILITY, limit_mb=_limit_mb()), \
        400 if outcome.problems else 200


class _Watch:
    """An import as a page follows it: a line each time its progress changes, for at most
    WATCH_SECONDS (well inside a worker's 30), then .state, the last progress read."""

    def __init__(self, token):
        self.token, self.state = token, None

    def lines(self):
        """Progress, as it happens."""
        deadline, shown = time.monotonic() + WATCH_SECONDS, None
        while True:
            self.state = import_jobs.progress(_folder(), self.token)
            if self.state is None:
                return
            line = _line(self.state)
            if line not in (shown, None):
                yield line
                shown = line
            if self.state["state"] != "running" or time.monotonic() > deadline:
                return
            time.sleep(POLL_SECONDS)


def _line(state):
    """The progress line of a state; None for an ending without rows (said below)."""
    if state.get("stage") == "saved":
        return "Saved. Open orders follow the new availabilities."
    if "stage" not in state:
        return None
    if not state["total"]:
        return "Reading the file"
    return f"{state['done']:,} of {state['total']:,} rows {state['stage']}"


def _watch_page(token):
    response = Response(stream_template("backoffice/import_done.html", watch=_Watch(token)),
                        mimetype="text/html")
    response.headers["X-Accel-Buffering"] = "no"  # a proxy passes the progress on at once
    return response


@bp.post("/confirm")
@staff_route(*ADMIN)
def confirm():
    """Start importing the previewed file, refused if it changed since; the page follows
    the import as it goes."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("backoffice/import_refused.html",
                               reason="The form expired or is incomplete: upload the file "
                                      "again."), 400
    if import_jobs.busy(_folder()):
        return render_template("backoffice/import_refused.html", reason=(
            "Another import is running. When it is over, confirm this one again: its "
            "preview is kept for a day.")), 409
    try:
        data = import_files.take(_folder(), form.token.data, form.digest.data)
    except import_files.KeptFileError as error:
        return render_template("backoffice/import_refused.html", reason=str(error)), 400
    import_jobs.start(current_app._get_current_object(), _folder(), form.token.data, data,
                      current_staff().id, gateway.client_from_config(current_app.config))
    return _watch_page(form.token.data)


@bp.get("/progress")
@staff_route(*ADMIN)
def progress():
    """Follow an import (?import=<its name>) again, or see how it ended."""
    token = request.args.get("import")
    if token is None:
        return redirect(url_for(".page"))
    if import_jobs.progress(_folder(), token) is None:
        abort(404)
    return _watch_page(token)
