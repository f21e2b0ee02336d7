"""Reports as CSV files: plain values, suppressed cells empty, nothing a spreadsheet runs."""
import csv
import io

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """The value as CSV text; text that a spreadsheet would run is quoted with a '."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _heading(measure):
    return f"{measure.label} (cents)" if measure.unit == "cents" else (
        f"{measure.label} (%)" if measure.unit == "percent" else measure.label)


def report_csv(report):
    """The report as CSV text: a heading line, then one line per row; totals read 'All',
    suppressed cells are empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(label) for label in report.dims]
                    + [safe_cell(_heading(m)) for m in report.measures])
    for row in report.rows:
        writer.writerow([safe_cell("All" if label is None else label) for label in row.labels]
                        + [safe_cell(row.values[m.key]) for m in report.measures])
    return out.getvalue()
