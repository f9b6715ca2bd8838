"""The acceptance receipt (受理回执): a document model and its plain-text rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from domain.application import Application, MaterialStatus
from domain.catalog import Catalog, Hall
from domain.masking import mask_id_number, mask_name
from domain.text import Lang, Text, pad, width, wrap

NAME_KEY = "applicant.name"
ID_KEY = "applicant.id_number"

LABELS = {
    "title": Text("受理回执", "Acceptance receipt"),
    "number": Text("受理编号", "Application no."),
    "item": Text("办理事项", "Service"),
    "parts": Text("包含事项", "Includes"),
    "applicant": Text("申请人", "Applicant"),
    "id": Text("证件号码", "ID number"),
    "time": Text("提交时间", "Submitted"),
    "brought": Text("请交到{counter}的材料", "To hand in at {counter}"),
    "owed": Text("待补材料", "Materials owed"),
    "due": Text("（请于{date}前补齐）", " (hand in by {date})"),
    "promised": Text("承诺办结", "Promised by"),
    "query": Text("扫码查询办理进度", "Scan to track progress"),
    "phone": Text("咨询电话", "Enquiries"),
    "estimated": Text("（预计）", " (estimate)"),
    "steps": Text("下一步", "Next steps"),
    "approved": Text("审批结果：已批准（秒批）", "Decision: approved at once"),
}
STEPS = {
    "now": Text("现在：离开前请带本回执和回执所列材料到{counter}，工作人员核对后受理。",
                "Now, before you leave: take this receipt and the materials it lists to {counter}; "
                "staff check them and accept your application."),
    "owed": Text("请于{date}前把待补材料交到{counter}，逾期不予办理。",
                 "By {date}: hand in the materials owed at {counter}, or the application will not proceed."),
    "done": Text("承诺{date}前办结{estimate}。", "It is done by {date}{estimate}, as promised."),
    "track": Text("查询进度：扫描下方二维码，或拨打下方咨询电话。",
                  "Track progress: scan the QR code below, or call the enquiries number below."),
}
OLD_COUNTER = Text("服务窗口", "a service window")  # receipts stored before halls named their counter


@dataclass(frozen=True)
class Receipt:
    """What a receipt says; personal data arrives masked."""

    hall_name: Text
    hall_phone: str
    counter: Text  # where materials are handed in
    number: str
    offering_name: Text
    part_names: tuple[Text, ...]
    applicant_name: str
    applicant_id: str
    submitted_at: datetime
    brought: tuple[Text, ...]  # declared as brought, to hand in at the counter: the kiosk received nothing
    owed: tuple[tuple[Text, date], ...]
    promised_date: date
    query_payload: str
    promised_estimated: bool = False
    approved: Text | None = None  # 秒批: central approved it before the receipt printed; what the citizen gets


def receipt_from_dict(data: dict[str, Any]) -> Receipt:
    """Rebuild a receipt from its JSON form (``export.to_jsonable``), e.g. for a reprint."""

    def text(value: dict[str, str]) -> Text:
        return Text(value["zh"], value["en"])

    return Receipt(
        hall_name=text(data["hall_name"]),
        hall_phone=data["hall_phone"],
        counter=text(data["counter"]) if "counter" in data else OLD_COUNTER,
        number=data["number"],
        offering_name=text(data["offering_name"]),
        part_names=tuple(text(t) for t in data["part_names"]),
        applicant_name=data["applicant_name"],
        applicant_id=data["applicant_id"],
        submitted_at=datetime.fromisoformat(data["submitted_at"]),
        brought=tuple(text(t) for t in data.get("brought", data.get("received", []))),
        owed=tuple((text(t), date.fromisoformat(d)) for t, d in data["owed"]),
        promised_date=date.fromisoformat(data["promised_date"]),
        query_payload=data["query_payload"],
        promised_estimated=bool(data.get("promised_estimated", False)),
        approved=text(data["approved"]) if data.get("approved") else None,
    )


def build_receipt(application: Application, catalog: Catalog, hall: Hall, token: str = "") -> Receipt:
    """Make the receipt of a submitted application, masking the applicant."""
    offering = catalog.offering(application.offering_code)
    names = {r.material.id: r.material.name for r in offering.materials}
    owed = tuple((names[m.material_id], m.due) for m in application.owed if m.due is not None)
    brought = tuple(names[m.material_id] for m in application.materials if m.status is MaterialStatus.PROVIDED)
    parts = tuple(i.name for i in offering.items) if offering.kind == "bundle" else ()
    return Receipt(
        hall_name=hall.name,
        hall_phone=hall.phone,
        counter=hall.counter,
        number=application.number,
        offering_name=offering.name,
        part_names=parts,
        applicant_name=mask_name(str(application.values.get(NAME_KEY, ""))),
        applicant_id=mask_id_number(str(application.values.get(ID_KEY, ""))),
        submitted_at=application.created_at,
        brought=brought,
        owed=owed,
        promised_date=application.promised_date,
        query_payload=catalog.meta.progress_url.format(number=application.number, token=token or application.number),
        promised_estimated=application.promised_estimated,
    )


class Style(StrEnum):
    """How a printer shows a line: the text rendering ignores it, a printer or preview uses it."""

    HALL = "hall"  # centred, bold
    TITLE = "title"  # centred, double width and height
    NUMBER = "number"  # double height, bold
    BODY = "body"
    RULE = "rule"
    QR = "qr"  # the line's text is the QR payload


CENTRED = frozenset({Style.HALL, Style.TITLE})


@dataclass(frozen=True)
class Line:
    """One laid-out line of a receipt; its text already fits the paper's columns."""

    text: str
    style: Style = Style.BODY


def layout(receipt: Receipt, lang: Lang = "zh", columns: int = 32) -> list[Line]:
    """Lay the receipt out for a ``columns``-wide printer (a CJK character takes two columns)."""
    label = {key: text.get(lang) for key, text in LABELS.items()}
    rule = Line("-" * columns, Style.RULE)
    lines = [Line(text, Style.HALL) for text in wrap(receipt.hall_name.get(lang), columns)]
    title_style = Style.TITLE if width(label["title"]) * 2 <= columns else Style.HALL  # double width must fit
    lines += [Line(label["title"], title_style), rule]
    lines += [Line(colon(label["number"])), Line(receipt.number, Style.NUMBER)]
    body = pair(label["item"], receipt.offering_name.get(lang), columns)
    body += bullets([name.get(lang) for name in receipt.part_names], columns, "· ")
    body += pair(label["applicant"], receipt.applicant_name, columns)
    body += pair(label["id"], receipt.applicant_id, columns)
    body += pair(label["time"], f"{receipt.submitted_at:%Y-%m-%d %H:%M}", columns)
    estimate = label["estimated"] if receipt.promised_estimated else ""
    body += pair(label["promised"], receipt.promised_date.isoformat() + estimate, columns)
    lines += [Line(text) for text in body] + [rule]
    if receipt.approved is not None:
        lines += [Line(text, Style.NUMBER) for text in wrap(label["approved"], columns)] + [rule]
    lines += [Line(text) for text in _materials(receipt, lang, columns)]
    lines += [Line(text) for text in wrap(colon(label["steps"]), columns)]
    for number, step in enumerate(next_steps(receipt, lang), 1):
        lines += [Line(text) for text in bullets([step], columns, f"{number}. ")]
    lines += [rule, Line(colon(label["query"])), Line(receipt.query_payload, Style.QR)]
    lines += [Line(t) for t in pair(label["phone"], receipt.hall_phone, columns)]
    return lines


def next_steps(receipt: Receipt, lang: Lang) -> list[str]:
    """Return what the citizen does after submitting: hand in, supplement, wait (or, approved, collect), track."""
    counter = receipt.counter.get(lang)
    steps = [STEPS["now"].get(lang).format(counter=counter)] if receipt.brought else []
    if receipt.owed:
        first_due = min(due for _, due in receipt.owed).isoformat()
        steps.append(STEPS["owed"].get(lang).format(date=first_due, counter=counter))
    estimate = LABELS["estimated"].get(lang) if receipt.promised_estimated else ""
    if receipt.approved is not None:
        steps.append(receipt.approved.get(lang))
    else:
        steps.append(STEPS["done"].get(lang).format(date=receipt.promised_date.isoformat(), estimate=estimate))
    return [*steps, STEPS["track"].get(lang)]


def _materials(receipt: Receipt, lang: Lang, columns: int) -> list[str]:
    """Lay out the materials declared as brought and those owed, each list under its heading (none: no heading)."""
    counter = receipt.counter.get(lang)
    lines: list[str] = []
    if receipt.brought:
        lines += wrap(colon(LABELS["brought"].get(lang).format(counter=counter)), columns)
        lines += bullets([m.get(lang) for m in receipt.brought], columns)
    if receipt.owed:
        due = LABELS["due"].get(lang)
        lines += wrap(colon(LABELS["owed"].get(lang)), columns)
        lines += bullets([m.get(lang) + due.format(date=d.isoformat()) for m, d in receipt.owed], columns)
    return lines


def colon(text: str) -> str:
    """Return a heading with its colon: full-width after Chinese (受理编号：), ASCII after English."""
    return f"{text}：" if _cjk(text) else f"{text}:"


def _cjk(text: str) -> bool:
    """Return whether ``text`` ends in a Chinese character or full-width punctuation."""
    return bool(text) and ("\u3000" <= text[-1] <= "\u9fff" or "\uff00" <= text[-1] <= "\uffef")


def render_text(receipt: Receipt, lang: Lang = "zh", columns: int = 32) -> str:
    """Render the receipt as plain text for a ``columns``-wide screen (the QR as its wrapped URL)."""
    out: list[str] = []
    for line in layout(receipt, lang, columns):
        if line.style is Style.QR:
            out += wrap(line.text, columns)
        elif line.style in CENTRED:
            out.append(pad(line.text, columns, "center").rstrip())
        else:
            out.append(line.text)
    return "\n".join(out) + "\n"


def pair(key: str, value: str, columns: int) -> list[str]:
    """Lay out 'key: value', wrapping the value under itself when it is long."""
    head = (colon(key) if _cjk(key) else f"{key}: ") if key else ""
    indent = width(head)
    if indent > columns // 2:
        return [head.rstrip(), *["  " + line for line in wrap(value, columns - 2)]]
    body = wrap(value, columns - indent)
    return [head + body[0], *[" " * indent + line for line in body[1:]]]


def bullets(texts: list[str], columns: int, marker: str = "- ") -> list[str]:
    """Lay out a list with hanging indents."""
    indent = width(marker)
    lines: list[str] = []
    for text in texts:
        body = wrap(text, columns - indent)
        lines += [marker + body[0], *[" " * indent + line for line in body[1:]]]
    return lines
