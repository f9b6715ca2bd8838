"""Load a catalog directory of TOML files, validating it and locating every problem."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import tomli

from domain.bundles import bundle_form, merge_materials
from domain.calendar import WorkingCalendar
from domain.catalog import (
    DEFAULT_WAYS,
    PREFIXES,
    Bundle,
    Catalog,
    CatalogMeta,
    Category,
    Delivery,
    Hall,
    ItemType,
    Material,
    MaterialForm,
    MaterialRequirement,
    ServiceItem,
    SupplementWay,
)
from domain.catalog_forms import ID_PATTERN, field_library, item_form
from domain.catalog_instant import instant_rules
from domain.catalog_reader import CatalogError, Reader
from domain.forms import FormField
from domain.identity import DOCUMENTS, DocumentType

FILES = ("catalog.toml", "calendar.toml", "fields.toml", "materials.toml", "bundles.toml", "halls.toml")
HALL_KINDS = frozenset({"hall", "bank_outlet", "village", "park", "mall"})

__all__ = ["CatalogError", "load_catalog", "load_documents"]


def _read_files(root: Path) -> dict[str, dict[str, Any]]:
    """Parse every TOML file of the catalog, keyed by its path relative to ``root``."""
    if not root.is_dir():
        raise CatalogError(str(root), None, None, "not a catalog directory")
    names = [*FILES, *sorted(f"items/{p.name}" for p in (root / "items").glob("*.toml"))]
    documents: dict[str, dict[str, Any]] = {}
    for name in names:
        path = root / name
        try:
            documents[name] = tomli.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CatalogError(name, None, None, "file is missing") from None
        except (tomli.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: deep nesting
            raise CatalogError(name, None, None, f"not valid TOML: {exc}") from None
    if len(names) == len(FILES):
        raise CatalogError("items/", None, None, "no item files (items/*.toml)")
    return documents


def content_hash(documents: dict[str, dict[str, Any]]) -> str:
    """Hash the parsed content canonically: comments, spacing and key order do not count."""
    canonical = json.dumps(documents, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_catalog(root: Path) -> Catalog:
    """Load and validate the catalog in directory ``root``."""
    return load_documents(_read_files(root))


def load_documents(docs: dict[str, dict[str, Any]]) -> Catalog:
    """Validate the parsed files of a catalog (keyed by their path in its directory; every one of FILES)."""
    meta = _meta(Reader("catalog.toml").table(docs["catalog.toml"], "catalog"))
    calendar = _calendar(Reader("calendar.toml").table(docs["calendar.toml"], "calendar"))
    library = field_library(docs["fields.toml"])
    materials = _materials(docs["materials.toml"])
    items: dict[str, ServiceItem] = {}
    for name in (n for n in docs if n.startswith("items/")):
        for table in Reader(name).array(docs[name], "items"):
            item = _item(Reader(name).at(table.get("code"), "item"), table, library, materials)
            if item.code in items:
                raise CatalogError(name, f"item {item.code}", "code", "appears twice in the catalog")
            items[item.code] = item
    bundles = _bundles(docs["bundles.toml"], items)
    halls = _halls(docs["halls.toml"], items, bundles)
    return Catalog(meta, content_hash(docs), items, bundles, halls, calendar)


def _meta(table: dict[str, Any]) -> CatalogMeta:
    """Read catalog metadata."""
    r = Reader("catalog.toml", None, "catalog.")
    url = r.string(table, "progress_url")
    if "{number}" not in url and "{token}" not in url:
        raise r.error("progress_url", "must contain {number} or {token} (the signed receipt token)")
    return CatalogMeta(
        id=r.string(table, "id"),
        version=r.string(table, "version"),
        title=r.text(table, "title"),
        illustrative=r.boolean(table, "illustrative"),
        note=r.text(table, "note"),
        progress_url=url,
        category_order=tuple(r.enum_list(table, "category_order", Category)) if "category_order" in table else (),
    )


def _calendar(table: dict[str, Any]) -> WorkingCalendar:
    """Read the working-day calendar."""
    r = Reader("calendar.toml", None, "calendar.")
    first, last = r.integer(table, "first_year"), r.integer(table, "last_year")
    if last < first:
        raise r.error("last_year", "is before first_year")
    days: dict[str, frozenset[date]] = {}
    for key in ("holidays", "workdays"):
        parsed = set()
        for index, raw in enumerate(r.sequence(table, key)):
            try:
                parsed.add(date.fromisoformat(str(raw)))
            except ValueError:
                raise r.error(f"{key}[{index}]", f"'{raw}' is not a YYYY-MM-DD date") from None
        days[key] = frozenset(parsed)
    both = days["holidays"] & days["workdays"]
    if both:
        raise r.error("workdays", f"{min(both)} is also listed as a holiday")
    return WorkingCalendar(first, last, days["holidays"], days["workdays"])


def _materials(doc: dict[str, Any]) -> dict[str, Material]:
    """Read the material library."""
    base = Reader("materials.toml")
    found: dict[str, Material] = {}
    for table in base.array(doc, "materials"):
        r = base.at(table.get("id"), "material")
        material = Material(r.ident(table, "id", ID_PATTERN), r.text(table, "name"))
        if material.id in found:
            raise r.error("id", "appears twice")
        found[material.id] = material
    return found


def _item(
    r: Reader, table: dict[str, Any], library: dict[str, FormField], materials: dict[str, Material]
) -> ServiceItem:
    """Read and check one service item."""
    code = r.string(table, "code")
    category = r.enum(table, "category", Category)
    if not re.fullmatch(rf"{PREFIXES[category]}-\d{{3}}", code):
        raise r.error("code", f"must look like {PREFIXES[category]}-001 for category {category}")
    legal, promised = r.days(table, "legal_limit_days"), r.days(table, "promised_limit_days")
    if promised > legal:
        raise r.error("promised_limit_days", f"{promised} is longer than legal_limit_days {legal}")
    delivery: tuple[Delivery, ...] = tuple(r.enum_list(table, "delivery", Delivery))
    if not delivery:
        raise r.error("delivery", "needs at least one of window, mail")
    requirements, form = _requirements(r, table, materials), item_form(r, table, library)
    return ServiceItem(
        code=code,
        name=r.text(table, "name"),
        type=r.enum(table, "type", ItemType),
        category=category,
        department=r.text(table, "department"),
        body=r.text(table, "body"),
        conditions=r.texts(table, "conditions"),
        legal_limit_days=legal,
        promised_limit_days=promised,
        fee_cny=r.number(table, "fee_cny"),
        fee_note=r.text(table, "fee_note"),
        result=r.text(table, "result"),
        delivery=delivery,
        online=r.boolean(table, "online"),
        guide=r.text(table, "guide"),
        keywords=tuple(str(k) for k in r.sequence(table, "keywords_zh", required=False)),
        keywords_en=tuple(str(k) for k in r.sequence(table, "keywords_en", required=False)),
        materials=requirements,
        form=form,
        requires_valid_id=r.optional_boolean(table, "requires_valid_id", default=False),
        documents=_documents(r, table),
        produces=_produces(r, table, materials, {req.material.id for req in requirements}),
        instant=instant_rules(r, table, form),
    )


def _produces(r: Reader, table: dict[str, Any], materials: dict[str, Material], asked: set[str]) -> tuple[str, ...]:
    """Read the library materials an item issues; an item never asks for what it issues."""
    found = tuple(dict.fromkeys(str(m) for m in r.sequence(table, "produces", required=False)))
    for index, ref in enumerate(found):
        if ref not in materials or ref in asked:
            problem = "is also a material this item asks for" if ref in asked else "is not in materials.toml"
            raise r.error(f"produces[{index}]", f"'{ref}' {problem}")
    return found


def _documents(r: Reader, table: dict[str, Any]) -> frozenset[DocumentType]:
    """Read which identity documents an item accepts (all of them when the item does not say)."""
    if "documents" not in table:
        return DOCUMENTS
    documents = frozenset(r.enum_list(table, "documents", DocumentType))
    if not documents or not documents <= DOCUMENTS:
        raise r.error("documents", f"must name some of {', '.join(sorted(DOCUMENTS))}")
    return documents


def _requirements(
    r: Reader, table: dict[str, Any], materials: dict[str, Material]
) -> tuple[MaterialRequirement, ...]:
    """Read an item's material requirements."""
    found: list[MaterialRequirement] = []
    for i, row in enumerate(r.tables(table, "materials", required=True)):
        m = r.sub(f"materials[{i}]")
        ref = m.string(row, "ref")
        if ref not in materials:
            raise m.error("ref", f"no material '{ref}' in materials.toml")
        if any(req.material.id == ref for req in found):
            raise m.error("ref", f"'{ref}' is asked twice")
        required, deferrable = m.boolean(row, "required"), m.boolean(row, "deferrable")
        if deferrable and not required:
            raise m.error("deferrable", "only a required material can be deferred (容缺)")
        copies = m.integer(row, "copies")
        form = m.enum(row, "form", MaterialForm)
        least = 1 if form in {MaterialForm.COPY, MaterialForm.ORIGINAL_AND_COPY} else 0
        if not least <= copies <= 20:
            raise m.error("copies", f"must be between {least} and 20 for form {form}")
        found.append(MaterialRequirement(
            materials[ref], required, deferrable, form, copies,
            m.boolean(row, "electronic"), _ways(m, row),
        ))
    return tuple(found)


def _ways(m: Reader, row: dict[str, Any]) -> tuple[SupplementWay, ...]:
    """Read how an owed material may be supplemented at a terminal (default: handed in)."""
    if "supplement" not in row:
        return DEFAULT_WAYS
    ways = tuple(m.enum_list(row, "supplement", SupplementWay))
    if not ways or len(set(ways)) != len(ways):
        raise m.error("supplement", f"must name each of {', '.join(w.value for w in SupplementWay)} at most once, "
                                    "and at least one")
    return ways


def _bundles(doc: dict[str, Any], items: dict[str, ServiceItem]) -> dict[str, Bundle]:
    """Read bundles and merge their forms and materials."""
    base = Reader("bundles.toml")
    bundles: dict[str, Bundle] = {}
    for table in base.array(doc, "bundles"):
        r = base.at(table.get("code"), "bundle")
        code = r.ident(table, "code", re.compile(r"^YJS-\d{3}$"))
        if code in bundles or code in items:
            raise r.error("code", "appears twice in the catalog")
        codes = [str(c) for c in r.sequence(table, "items")]
        missing = [c for c in codes if c not in items]
        if missing:
            raise r.error("items", f"no item '{missing[0]}' in the catalog")
        if len(set(codes)) < 2 or len(set(codes)) != len(codes):
            raise r.error("items", "needs at least two different items, each once")
        members = tuple(items[c] for c in codes)
        _check_order(r, members)
        longest = max(i.promised_limit_days for i in members)
        promised = r.days(table, "promised_limit_days") if "promised_limit_days" in table else None
        bundles[code] = Bundle(
            code=code,
            name=r.text(table, "name"),
            category=r.enum(table, "category", Category),
            items=members,
            promised_limit_days=longest if promised is None else promised,
            guide=r.text(table, "guide"),
            form=bundle_form(members),
            materials=merge_materials(members),
        )
    return bundles


def _check_order(r: Reader, members: tuple[ServiceItem, ...]) -> None:
    """Refuse a bundle in which an item asks for what a later item of the bundle produces."""
    for position, item in enumerate(members):
        for later in members[position + 1:]:
            needed = [req.material.id for req in item.materials if req.material.id in later.produces]
            if needed:
                raise r.error("items", f"{item.code} asks for '{needed[0]}', which {later.code} produces "
                                       f"later in the bundle: list {later.code} first")


def _halls(
    doc: dict[str, Any], items: dict[str, ServiceItem], bundles: dict[str, Bundle]
) -> dict[str, Hall]:
    """Read hall profiles, expanding '*' to everything."""
    base = Reader("halls.toml")
    halls: dict[str, Hall] = {}
    for table in base.array(doc, "halls"):
        r = base.at(table.get("id"), "hall")
        hall_id = r.ident(table, "id", ID_PATTERN)
        if hall_id in halls:
            raise r.error("id", "appears twice")
        kind = r.string(table, "kind")
        if kind not in HALL_KINDS:
            raise r.error("kind", f"'{kind}' is not one of {', '.join(sorted(HALL_KINDS))}")
        halls[hall_id] = Hall(
            id=hall_id,
            kind=kind,
            name=r.text(table, "name"),
            phone=r.string(table, "phone"),
            address=r.text(table, "address"),
            counter=r.text(table, "counter"),
            item_codes=_codes(r, table, "items", set(items)),
            bundle_codes=_codes(r, table, "bundles", set(bundles)),
        )
    return halls


def _codes(r: Reader, table: dict[str, Any], key: str, known: set[str]) -> frozenset[str]:
    """Read a list of codes, where '*' means all of ``known``."""
    codes = [str(c) for c in r.sequence(table, key)]
    if codes == ["*"]:
        return frozenset(known)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise r.error(key, f"no {key[:-1]} '{unknown[0]}' in the catalog")
    return frozenset(codes)
