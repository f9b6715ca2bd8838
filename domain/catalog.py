"""The service catalog: items (事项), 一件事 bundles, hall profiles, fields and materials."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.calendar import WorkingCalendar
from domain.forms import FormField, FormSchema
from domain.identity import DOCUMENTS, DocumentType
from domain.instant import Instant
from domain.text import Text


class ItemType(StrEnum):
    """Standard types of government service items."""

    ADMINISTRATIVE_LICENSING = "administrative_licensing"  # 行政许可
    ADMINISTRATIVE_PAYMENT = "administrative_payment"  # 行政给付
    ADMINISTRATIVE_CONFIRMATION = "administrative_confirmation"  # 行政确认
    PUBLIC_SERVICE = "public_service"  # 公共服务
    OTHER_POWER = "other_power"  # 其他行政权力


class Category(StrEnum):
    """Service areas shown on the home screen; the value's code prefix is in PREFIXES."""

    SOCIAL_SECURITY = "social_security"
    MEDICAL_INSURANCE = "medical_insurance"
    HOUSING_FUND = "housing_fund"
    HOUSEHOLD_REGISTRATION = "household_registration"
    TRAFFIC_POLICE = "traffic_police"
    CIVIL_AFFAIRS = "civil_affairs"
    EMPLOYMENT = "employment"
    HEALTH = "health"
    TRANSPORT = "transport"
    REAL_ESTATE = "real_estate"
    BUSINESS_STARTUP = "business_startup"
    TAX = "tax"


PREFIXES: dict[Category, str] = {
    Category.SOCIAL_SECURITY: "SB",
    Category.MEDICAL_INSURANCE: "YB",
    Category.HOUSING_FUND: "GJJ",
    Category.HOUSEHOLD_REGISTRATION: "HJ",
    Category.TRAFFIC_POLICE: "JG",
    Category.CIVIL_AFFAIRS: "MZ",
    Category.EMPLOYMENT: "JY",
    Category.HEALTH: "WJ",
    Category.TRANSPORT: "JT",
    Category.REAL_ESTATE: "BDC",
    Category.BUSINESS_STARTUP: "QY",
    Category.TAX: "SW",
}

CATEGORY_NAMES: dict[Category, Text] = {
    Category.SOCIAL_SECURITY: Text("社会保障", "Social security"),
    Category.MEDICAL_INSURANCE: Text("医疗保障", "Medical insurance"),
    Category.HOUSING_FUND: Text("住房公积金", "Housing fund"),
    Category.HOUSEHOLD_REGISTRATION: Text("户籍办理", "Household registration"),
    Category.TRAFFIC_POLICE: Text("公安交管", "Traffic police"),
    Category.CIVIL_AFFAIRS: Text("民政救助", "Civil affairs"),
    Category.EMPLOYMENT: Text("就业创业", "Employment"),
    Category.HEALTH: Text("卫生健康", "Health"),
    Category.TRANSPORT: Text("交通运输", "Transport"),
    Category.REAL_ESTATE: Text("不动产登记", "Real estate"),
    Category.BUSINESS_STARTUP: Text("企业开办", "Starting a business"),
    Category.TAX: Text("税务", "Tax"),
}


class Delivery(StrEnum):
    """How the result reaches the applicant."""

    WINDOW = "window"  # 窗口领取
    MAIL = "mail"  # 邮寄


class MaterialForm(StrEnum):
    """What kind of document is handed in; later members are stricter."""

    ELECTRONIC = "electronic"
    COPY = "copy"
    ORIGINAL = "original"
    ORIGINAL_AND_COPY = "original_and_copy"


MATERIAL_FORM_NAMES: dict[MaterialForm, Text] = {
    MaterialForm.ELECTRONIC: Text("电子件", "electronic"),
    MaterialForm.COPY: Text("复印件", "copy"),
    MaterialForm.ORIGINAL: Text("原件", "original"),
    MaterialForm.ORIGINAL_AND_COPY: Text("原件及复印件", "original and copy"),
}
FORM_STRICTNESS = list(MaterialForm)


class SupplementWay(StrEnum):
    """How a citizen may supplement (补齐/补正) an owed material at a terminal."""

    DECLARE = "declare"  # 告知承诺: a declaration confirmed on screen replaces the document for now
    HAND_IN = "hand_in"  # the paper handed in at the hall's counter with the 补正 receipt


SUPPLEMENT_WAY_NAMES: dict[SupplementWay, Text] = {
    SupplementWay.DECLARE: Text("告知承诺", "Declaration"),
    SupplementWay.HAND_IN: Text("交纸质材料", "Hand in the paper"),
}
DEFAULT_WAYS = (SupplementWay.HAND_IN,)  # a material the catalog says nothing about is handed in


@dataclass(frozen=True)
class Material:
    """A document from the material library."""

    id: str
    name: Text


@dataclass(frozen=True)
class MaterialRequirement:
    """A material an item asks for, and how."""

    material: Material
    required: bool
    deferrable: bool  # 容缺: may be supplied after acceptance
    form: MaterialForm
    copies: int
    electronic: bool  # an electronic licence is accepted instead
    supplement: tuple[SupplementWay, ...] = DEFAULT_WAYS  # how it may be supplemented at a terminal, if owed


@dataclass(frozen=True)
class ServiceItem:
    """A government service item (事项) with its standardized elements."""

    code: str
    name: Text
    type: ItemType
    category: Category
    department: Text
    body: Text
    conditions: tuple[Text, ...]
    legal_limit_days: int
    promised_limit_days: int
    fee_cny: float
    fee_note: Text
    result: Text
    delivery: tuple[Delivery, ...]
    online: bool
    guide: Text
    keywords: tuple[str, ...]
    materials: tuple[MaterialRequirement, ...]
    form: FormSchema
    requires_valid_id: bool = False  # an expired identity document turns the citizen to a window
    documents: frozenset[DocumentType] = DOCUMENTS  # the identity documents the item accepts
    keywords_en: tuple[str, ...] = ()  # English words a citizen may search by besides the name
    produces: tuple[str, ...] = ()  # library materials it issues (营业执照): a bundle hands them to later items
    instant: Instant | None = None  # 秒批: rules that approve an application on arrival, with no person


@dataclass(frozen=True)
class Bundle:
    """A 一件事 bundle: several items with one merged form and one material set."""

    code: str
    name: Text
    category: Category
    items: tuple[ServiceItem, ...]
    promised_limit_days: int
    guide: Text
    form: FormSchema
    materials: tuple[MaterialRequirement, ...]


@dataclass(frozen=True)
class Hall:
    """A hall or outlet profile: which items and bundles its terminals offer."""

    id: str
    kind: str
    name: Text
    phone: str
    address: Text
    counter: Text  # the window where citizens hand in materials and staff help (综合受理窗口)
    item_codes: frozenset[str]
    bundle_codes: frozenset[str]


@dataclass(frozen=True)
class CatalogMeta:
    """Identity and provenance of a catalog."""

    id: str
    version: str
    title: Text
    illustrative: bool
    note: Text
    progress_url: str  # template with {number}: the QR payload on receipts
    category_order: tuple[Category, ...] = ()  # home lists the areas in this order (most used first), then the rest


@dataclass(frozen=True)
class Offering:
    """What a citizen applies for: one item, or a bundle of items, seen the same way."""

    code: str
    name: Text
    kind: str  # "item" | "bundle"
    items: tuple[ServiceItem, ...]
    form: FormSchema
    materials: tuple[MaterialRequirement, ...]
    promised_limit_days: int
    guide: Text

    @property
    def conditions(self) -> tuple[Text, ...]:
        """Return the items' conditions, each once, in the order they first appear."""
        return tuple(dict.fromkeys(c for item in self.items for c in item.conditions))

    @property
    def handed_on(self) -> tuple[Material, ...]:
        """Return what an item asks for that an earlier item of the bundle issues: nobody brings it."""
        asked = {r.material.id for r in self.materials}
        return tuple(dict.fromkeys(r.material for i in self.items for r in i.materials if r.material.id not in asked))

    @property
    def instant(self) -> Instant | None:
        """Return the 秒批 rules of a single item (a bundle always goes to a person)."""
        return self.items[0].instant if self.kind == "item" else None

    @property
    def requires_valid_id(self) -> bool:
        """Return whether any item needs an identity document that has not expired."""
        return any(item.requires_valid_id for item in self.items)

    @property
    def documents(self) -> frozenset[DocumentType]:
        """Return the identity documents every item accepts."""
        return frozenset.intersection(DOCUMENTS, *(item.documents for item in self.items))

    def field(self, key: str) -> FormField:
        """Return the form field with semantic ``key``."""
        return self.form.field(key)


class UnknownCode(KeyError):
    """A catalog code that names no item or bundle."""

    def __str__(self) -> str:
        """Describe the unknown code."""
        return f"no service item or bundle with code '{self.args[0]}' in this catalog"


class UnknownHall(LookupError):
    """A hall id that names no hall profile of the catalog."""


@dataclass(frozen=True)
class Catalog:
    """A validated, versioned and content-hashed catalog."""

    meta: CatalogMeta
    content_hash: str
    items: dict[str, ServiceItem]
    bundles: dict[str, Bundle]
    halls: dict[str, Hall]
    calendar: WorkingCalendar

    @property
    def version(self) -> str:
        """Return the publisher's version string."""
        return self.meta.version

    def offering(self, code: str) -> Offering:
        """Return the item or bundle with ``code`` as an Offering."""
        if code in self.items:
            item = self.items[code]
            return Offering(
                item.code, item.name, "item", (item,), item.form, item.materials,
                item.promised_limit_days, item.guide,
            )
        if code in self.bundles:
            bundle = self.bundles[code]
            return Offering(
                bundle.code, bundle.name, "bundle", bundle.items, bundle.form,
                bundle.materials, bundle.promised_limit_days, bundle.guide,
            )
        raise UnknownCode(code)

    def hall(self, hall_id: str) -> Hall:
        """Return the hall profile ``hall_id``."""
        try:
            return self.halls[hall_id]
        except KeyError:
            known = ", ".join(sorted(self.halls))
            raise UnknownHall(f"no hall '{hall_id}' in this catalog (terminal.hall; known: {known})") from None

    def offered_at(self, hall_id: str) -> tuple[list[ServiceItem], list[Bundle]]:
        """Return the items and bundles a hall offers, in code order."""
        hall = self.hall(hall_id)
        items = [self.items[c] for c in sorted(self.items) if c in hall.item_codes]
        bundles = [self.bundles[c] for c in sorted(self.bundles) if c in hall.bundle_codes]
        return items, bundles
