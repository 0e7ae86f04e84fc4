"""Import: upload a CSV file, check its columns and every row, then import all of it in one go."""

from __future__ import annotations

import streamlit as st

from crm_core.errors import CRMError
from crm_core.i18n import format_number
from crm_core.i18n.error_text import error_text
from crm_core.io.headers import IGNORE, KINDS
from crm_core.io.importing import UPDATABLE, check_file, import_file
from crm_core.io.preview import (
    preview_file,
    problems_frame,
    rejected_file_name,
    separator_text,
    skipped_frame,
)
from crm_core.store.writes import import_tables_written
from crm_core.ui import cache, choices, uploads
from crm_core.ui.context import current
from crm_core.ui.markdown import literal

SEPARATORS = ["auto", ";", ",", "\t", "|"]

ctx = current()
# Clicks are recorded by button callbacks: they survive the rerun the router may make (crm_core.ui.routing).
action = st.session_state.pop("import_do", None)
engine = cache.engine(ctx.db_url)
st.title(ctx.t("import.title"))
st.caption(ctx.t("import.intro"))

row = st.columns([2, 1])
kind = choices.selectbox(
    ctx.t("import.kind"), KINDS, format_func=lambda k: ctx.t(f"import.kind_{k}"), key="import_kind", container=row[0]
)
sep_choice = choices.selectbox(
    ctx.t("import.separator"),
    SEPARATORS,
    format_func=lambda s: ctx.t("import.sep_auto") if s == "auto" else separator_text(s, ctx.lang),
    key="import_sep",
    container=row[1],
)
separator = None if sep_choice == "auto" else sep_choice
# Streamlit's own "Drag and drop" / "200MB per file" texts cannot be set: the label and help say it in the UI language.
uploaded = st.file_uploader(ctx.t("import.file"), type=["csv", "txt"], key="import_file", help=ctx.t("import.file_help"))
done = st.session_state.pop("import_done", None)
if done:
    st.success(literal(done), icon=":material/check_circle:")
if uploaded is None:
    st.info(ctx.t("import.pick_file"))
    st.stop()

try:
    table = uploads.parsed_csv(uploaded.getvalue(), separator)  # read once per file, not on every rerun
    preview = preview_file(table, kind)
except CRMError as exc:
    st.error(ctx.t("import.unreadable", message=literal(error_text(exc, ctx.lang))), icon=":material/error:")
    st.stop()

shown_sep = separator_text(preview.separator, ctx.lang, quoted=True)
st.caption(
    ctx.tn(
        "import.read_as", preview.rows, rows=format_number(preview.rows, ctx.lang), encoding=preview.encoding, separator=shown_sep
    )
)
st.subheader(ctx.t("import.preview"))
st.dataframe(preview.first_rows, hide_index=True, width="stretch")

# ---------------------------------------------------------------- the mapping (editable)
st.subheader(ctx.t("import.mapping"), help=ctx.t("import.mapping_help"))
options = [IGNORE, *preview.fields]
mapping: dict[str, str | None] = {}
undecided: list[str] = []
grid = st.columns(3)
for index, name in enumerate(preview.header):
    # An unrecognised column starts with no choice: it is mapped or left out explicitly, as the CLI asks.
    unknown = name in preview.unrecognised
    suggested = preview.suggested.get(name) or (None if unknown else IGNORE)
    map_key = f"import_map_{kind}_{uploaded.file_id}_{index}"
    st.session_state.setdefault(map_key, suggested)
    choice = choices.selectbox(
        literal(name) or f"({index + 1})",
        options,
        format_func=lambda f: ctx.t("import.ignore") if f == IGNORE else ctx.t(f"field.{f}"),
        key=map_key,
        container=grid[index % 3],
        placeholder=ctx.t("import.choose"),
    )
    mapping[name] = None if choice in (IGNORE, None) else choice
    if choice is None:
        undecided.append(name)
left_out = [name for name in preview.header if name and mapping[name] is None and name not in undecided]
if left_out:
    st.info(ctx.t("import.left_out", columns=", ".join(literal(name) for name in left_out)), icon=":material/visibility_off:")
if undecided:
    st.warning(ctx.t("import.unmatched", columns=", ".join(literal(name) for name in undecided)), icon=":material/help:")

row = st.columns(2)
update = row[0].checkbox(
    ctx.t("import.update"), key="import_update", disabled=kind not in UPDATABLE, help=ctx.t("import.update_help")
)
valid_only = row[1].checkbox(ctx.t("import.valid_only"), key="import_valid_only", help=ctx.t("import.valid_only_help"))
options_used = {"separator": separator, "mapping": mapping, "update": update and kind in UPDATABLE}
signature = (uploaded.file_id, kind, repr(options_used))

# ---------------------------------------------------------------- check, then commit
st.button(
    ctx.t("import.check"),
    key="import_check",
    on_click=st.session_state.__setitem__,
    args=("import_do", "check"),
    disabled=bool(undecided),
)
if action == "check":
    try:
        with st.spinner(ctx.t("import.check")):
            st.session_state["import_report"] = (signature, check_file(engine, kind, table, **options_used))
    except CRMError as exc:
        st.session_state.pop("import_report", None)
        st.error(ctx.t("import.unreadable", message=literal(error_text(exc, ctx.lang))), icon=":material/error:")
        st.stop()

stored = st.session_state.get("import_report")
if stored is None or stored[0] != signature:
    st.info(ctx.t("import.check_first"))
    st.stop()
report = stored[1]

cols = st.columns(5)
cols[0].metric(ctx.t("import.rows_read"), format_number(report.rows_read, ctx.lang))
cols[1].metric(ctx.t("import.to_create"), format_number(report.to_create, ctx.lang))
cols[2].metric(ctx.t("import.to_update"), format_number(report.to_update, ctx.lang))
cols[3].metric(ctx.t("import.to_skip"), format_number(report.to_skip, ctx.lang))
cols[4].metric(ctx.t("import.rejected"), format_number(report.rejected, ctx.lang))
if report.ok:
    st.success(ctx.t("import.all_valid"))
else:
    st.error(ctx.tn("import.problems", report.rejected), icon=":material/error:")
    st.dataframe(
        problems_frame(report, ctx.lang).rename(
            columns={"line": ctx.t("import.line"), "column": ctx.t("import.column"), "message": ctx.t("import.message")}
        ),
        hide_index=True,
        width="stretch",
    )
    st.download_button(
        ctx.t("import.download_rejected"),
        data=report.rejected_csv(ctx.lang),
        file_name=rejected_file_name(kind, ctx.lang),
        mime="text/csv",
        key="import_download_rejected",
    )
if report.skipped:
    with st.expander(f"{ctx.t('import.skipped')} ({format_number(report.to_skip, ctx.lang)})"):
        st.dataframe(
            skipped_frame(report, ctx.lang).rename(columns={"line": ctx.t("import.line"), "reason": ctx.t("import.reason")}),
            hide_index=True,
            width="stretch",
        )

if not report.writable(valid_only):
    st.info(ctx.t("import.nothing") if report.ok or valid_only else ctx.t("import.blocked"))
    st.stop()
st.button(
    ctx.t("import.commit"),
    type="primary",
    key="import_commit",
    on_click=st.session_state.__setitem__,
    args=("import_do", "commit"),
)
if action == "commit":
    bar = st.progress(0.0, text=ctx.t("import.progress", percent=0))
    try:
        result = import_file(
            engine,
            kind,
            table,
            valid_only=valid_only,
            progress=lambda fraction, _message: bar.progress(
                fraction, text=ctx.t("import.progress", percent=round(fraction * 100))
            ),
            **options_used,
        )
    except CRMError as exc:
        st.error(ctx.t("import.failed", message=literal(error_text(exc, ctx.lang))), icon=":material/error:")
        st.stop()
    cache.invalidate(ctx.db_url, import_tables_written(kind))
    st.session_state.pop("import_report", None)
    if result.committed:
        st.session_state["import_done"] = ctx.t(
            "import.done", created=result.to_create, updated=result.to_update, skipped=result.to_skip
        )
        st.rerun()
    st.session_state["import_report"] = (signature, result)
    st.rerun()
