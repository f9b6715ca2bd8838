"""补齐 / 补正: the applicant supplies what central says an application owes, each material declared or handed in.

A supplement must name exactly the owed materials, each once, each in a way the item allows
(``MaterialRequirement.supplement``; a material the item does not list is handed in). The terminal
checks it before the citizen confirms and central checks it again against its own record; a refusal
carries one of ``Refusal``'s codes and a sentence for the citizen. The 补正 receipt says what was
supplied and how, when, and that the application continues: nothing personal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.catalog import DEFAULT_WAYS, SUPPLEMENT_WAY_NAMES, Offering, SupplementWay
from domain.receipt import Line, Style, bullets, colon, pair
from domain.text import Lang, Text, width, wrap

MAX_MATERIALS = 10  # owed materials in one supplement at most (central's owed list holds 200 characters of ids)


@dataclass(frozen=True)
class Supplied:
    """One owed material and how the citizen supplies it."""

    material: str
    way: SupplementWay


class Refusal(StrEnum):
    """Why a supplement is refused: the reason code central sends back, and the terminal's own checks."""

    UNKNOWN_APPLICATION = "supplement_unknown_application"  # no application with this number reached central
    NOT_APPLICANT = "supplement_not_applicant"  # the card read is not the application's holder
    NOT_NEEDED = "supplement_not_needed"  # the application does not need a supplement (any more)
    NOT_OWED = "supplement_not_owed"  # the materials are not exactly the ones owed
    WAY = "supplement_way"  # a material supplied in a way its item does not allow


REFUSALS: dict[Refusal, Text] = {
    Refusal.UNKNOWN_APPLICATION: Text("服务中心没有这个受理编号的申请。",
                                      "The service centre has no application with this number."),
    Refusal.NOT_APPLICANT: Text("只有申请人本人可以补齐材料：这张证件不是该申请的申请人证件。",
                                "Only the applicant may supplement materials: this card is not the applicant's."),
    Refusal.NOT_NEEDED: Text("这个申请现在不需要补齐材料，请重新查询办理进度。",
                             "This application does not need materials now: please check its progress again."),
    Refusal.NOT_OWED: Text("所补材料与服务中心要求补齐的材料不一致，请重新查询后再补。",
                           "These are not the materials the service centre asks for: please check again and retry."),
    Refusal.WAY: Text("有材料不能以所选方式补齐，请重新选择。",
                      "A material cannot be supplied the way chosen: please choose again."),
}
STAFF = Text("如有疑问，请到服务窗口咨询。", " If in doubt, please ask at a service window.")
DECLARATION = Text("关于“{material}”，本人承诺：该材料真实、有效，符合办理要求；"
                   "如承诺不实，本人愿承担相应法律责任，并接受不予办理或撤销办理结果的处理。",
                   "About \"{material}\", I declare: it is genuine, valid and meets the requirements. If this is "
                   "untrue, I accept the legal consequences, and that the application may be refused or its result "
                   "revoked.")
WAY_HELP = {  # what each way means, shown beside the choice
    SupplementWay.DECLARE: Text("告知承诺：您承诺材料真实有效，本次不必再交，服务中心会核查。",
                                "Declaration: you declare the material genuine and valid and need not hand it in; "
                                "the service centre checks it."),
    SupplementWay.HAND_IN: Text("交纸质材料：打印补正回执后，把材料连同回执交到{counter}。",
                                "Hand in the paper: take the material with the printed receipt to {counter}."),
}


class SupplementRefused(ValueError):
    """A supplement that cannot be taken; ``code`` says why (and is what central sends back)."""

    def __init__(self, code: Refusal) -> None:
        """Remember the code (the message holds nothing personal)."""
        super().__init__(code.value)
        self.code = code


def told(code: str) -> Text:
    """Return what the citizen is told of a refused supplement (a code this terminal does not know: ask staff)."""
    try:
        reason = REFUSALS[Refusal(code)]
    except ValueError:
        reason = Text("服务中心未能接收这次补齐。", "The service centre could not take this supplement.")
    return Text(reason.zh + STAFF.zh, reason.en + STAFF.en)


def ways_for(offering: Offering | None, material: str) -> tuple[SupplementWay, ...]:
    """Return how ``material`` may be supplemented for ``offering`` (handed in, if the offering does not list it)."""
    for requirement in offering.materials if offering is not None else ():
        if requirement.material.id == material:
            return requirement.supplement
    return DEFAULT_WAYS


def check(owed: tuple[str, ...], offering: Offering | None, supplied: tuple[Supplied, ...]) -> None:
    """Refuse (SupplementRefused) a supplement that is not exactly the owed materials, each in an allowed way."""
    materials = [s.material for s in supplied]
    if not owed or len(set(materials)) != len(materials) or set(materials) != set(owed):
        raise SupplementRefused(Refusal.NOT_OWED)
    if any(s.way not in ways_for(offering, s.material) for s in supplied):
        raise SupplementRefused(Refusal.WAY)


def declaration(material: Text) -> Text:
    """Return the 告知承诺 the citizen confirms on screen for one material."""
    return Text(DECLARATION.zh.format(material=material.zh), DECLARATION.en.format(material=material.en))


LABELS = {
    "title": Text("补正回执", "Supplement receipt"),
    "number": Text("受理编号", "Application no."),
    "item": Text("办理事项", "Service"),
    "time": Text("补正时间", "Supplemented"),
    "supplied": Text("补齐的材料", "Materials supplemented"),
    "steps": Text("下一步", "Next steps"),
    "phone": Text("咨询电话", "Enquiries"),
}
STEPS = {
    "hand_in": Text("请把上面标明“交纸质材料”的材料连同本回执交到{counter}。",
                    "Take the materials marked 'Hand in the paper' with this receipt to {counter}."),
    "declared": Text("告知承诺的材料不必再交，服务中心会核查承诺内容。",
                     "Declared materials need not be handed in: the service centre checks the declaration."),
    "delivered": Text("服务中心已收到补齐的材料，申请继续办理。",
                      "The service centre has the supplement: your application continues."),
    "queued": Text("补齐已保存在本机，网络恢复后自动送达服务中心，申请随后继续办理。",
                   "The supplement is saved here and goes to the service centre when the network is back; "
                   "the application then continues."),
}


@dataclass(frozen=True)
class SupplementReceipt:
    """What a 补正 receipt says: the application, what was supplied and how, when; nothing personal."""

    hall_name: Text
    hall_phone: str
    counter: Text
    number: str
    offering_name: Text
    supplied: tuple[tuple[Text, SupplementWay], ...]
    at: datetime
    delivered: bool  # central acknowledged it before printing (else it waits in the outbox)


def next_steps(receipt: SupplementReceipt, lang: Lang) -> list[str]:
    """Return what the citizen does now: hand in what is marked so, and that the application continues."""
    ways = {way for _, way in receipt.supplied}
    steps = [STEPS["hand_in"].get(lang).format(counter=receipt.counter.get(lang))] if SupplementWay.HAND_IN in ways \
        else []
    if SupplementWay.DECLARE in ways:
        steps.append(STEPS["declared"].get(lang))
    return [*steps, STEPS["delivered" if receipt.delivered else "queued"].get(lang)]


def layout(receipt: SupplementReceipt, lang: Lang = "zh", columns: int = 32) -> list[Line]:
    """Lay the 补正 receipt out for a ``columns``-wide printer, as the acceptance receipt is laid out."""
    label = {key: text.get(lang) for key, text in LABELS.items()}
    rule = Line("-" * columns, Style.RULE)
    lines = [Line(text, Style.HALL) for text in wrap(receipt.hall_name.get(lang), columns)]
    lines += [Line(label["title"], Style.TITLE if width(label["title"]) * 2 <= columns else Style.HALL), rule]
    lines += [Line(colon(label["number"])), Line(receipt.number, Style.NUMBER)]
    body = pair(label["item"], receipt.offering_name.get(lang), columns)
    body += pair(label["time"], f"{receipt.at:%Y-%m-%d %H:%M}", columns)
    lines += [Line(text) for text in body] + [rule, *(Line(t) for t in wrap(colon(label["supplied"]), columns))]
    mark = "：" if lang == "zh" else ": "
    lines += [Line(text) for text in bullets([f"{name.get(lang)}{mark}{SUPPLEMENT_WAY_NAMES[way].get(lang)}"
                                              for name, way in receipt.supplied], columns)]
    lines += [Line(text) for text in wrap(colon(label["steps"]), columns)]
    for number, step in enumerate(next_steps(receipt, lang), 1):
        lines += [Line(text) for text in bullets([step], columns, f"{number}. ")]
    return [*lines, rule, *(Line(t) for t in pair(label["phone"], receipt.hall_phone, columns))]
