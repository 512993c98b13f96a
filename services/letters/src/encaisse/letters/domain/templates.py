"""Letter texts, French and English, as data: ``str.format`` fields filled by ``compose``.

Fields: {total} (what is claimed), {deadline}, {computed_on}, {portal_url}.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    subject: str
    salutation: str
    opening: str
    penalties: str  # formal notice to a business: how penalties were computed
    interest: str  # formal notice to a consumer: legal interest instead
    consequence: str
    portal: str
    closing: str


@dataclass(frozen=True)
class Labels:
    registered: str
    reference: str
    subject: str
    invoice: str
    issued: str
    due: str
    amount: str
    open_balance: str
    days_late: str
    rate: str
    penalties: str
    indemnity: str
    total: str
    principal: str
    page: str
    months: tuple[str, ...]
    place_date: str  # "{city}, le {date}"
    # the account statement (``statement.py``)
    overdue_total: str
    soon_due: str
    due_in_header: str
    due_in: str  # "dans {days} j"
    today: str
    outstanding: str  # "{date}", "{total}"
    also_outstanding: str


LABELS = {
    "fr": Labels(
        registered="Lettre recommandée avec accusé de réception",
        reference="Réf. :",
        subject="Objet :",
        invoice="Facture",
        issued="Émise le",
        due="Échéance",
        amount="Montant",
        open_balance="Reste dû",
        days_late="Jours",
        rate="Taux",
        penalties="Pénalités",
        indemnity="Indemnité",
        total="Total",
        principal="Principal",
        page="Page {page} / {pages}",
        months=(
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ),
        place_date="{city}, le {date}",
        overdue_total="Total échu",
        soon_due="Factures à échoir",
        due_in_header="À échoir",
        due_in="dans {days} j",
        today="ce jour",
        outstanding="Total restant dû au {date}, échu et à échoir : {total}.",
        also_outstanding="Pour information, autres factures en cours, non visées par la "
        "présente mise en demeure (ni pénalités ni indemnité) :",
    ),
    "en": Labels(
        registered="Registered letter with acknowledgement of receipt",
        reference="Ref.:",
        subject="Subject:",
        invoice="Invoice",
        issued="Issued",
        due="Due",
        amount="Amount",
        open_balance="Open",
        days_late="Days",
        rate="Rate",
        penalties="Penalties",
        indemnity="Indemnity",
        total="Total",
        principal="Principal",
        page="Page {page} of {pages}",
        months=(
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        place_date="{city}, {date}",
        overdue_total="Total overdue",
        soon_due="Invoices not yet due",
        due_in_header="Not yet due",
        due_in="in {days} d",
        today="today",
        outstanding="Total outstanding on {date}, overdue and not yet due: {total}.",
        also_outstanding="For information, other invoices outstanding, not demanded by this "
        "formal notice (no penalties, no indemnity):",
    ),
}

TEMPLATES: dict[tuple[str, str], Template] = {
    ("reminder_letter", "fr"): Template(
        subject="Relance : factures échues impayées",
        salutation="Madame, Monsieur,",
        opening="Sauf erreur de notre part, les factures ci-dessous, échues, restent impayées "
        "à ce jour pour un montant total de {total}. Nous vous remercions de bien "
        "vouloir procéder à leur règlement dans les meilleurs délais.",
        penalties="",
        interest="",
        consequence="Si votre règlement a croisé ce courrier, nous vous prions de ne pas en "
        "tenir compte.",
        portal="Consultez votre relevé, réglez en ligne ou signalez un litige : {portal_url}",
        closing="Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
    ),
    ("reminder_letter", "en"): Template(
        subject="Reminder: overdue invoices",
        salutation="Dear Sir or Madam,",
        opening="According to our records, the invoices below are overdue and remain unpaid "
        "for a total of {total}. We would be grateful if you would settle them "
        "at your earliest convenience.",
        penalties="",
        interest="",
        consequence="If your payment has crossed this letter, please disregard it.",
        portal="See your statement, pay online or report a dispute: {portal_url}",
        closing="Yours faithfully,",
    ),
    ("formal_notice", "fr"): Template(
        subject="Mise en demeure de payer",
        salutation="Madame, Monsieur,",
        opening="Malgré nos relances, les factures ci-dessous restent impayées. Par la "
        "présente, nous vous mettons en demeure de nous régler la somme de {total} "
        "au plus tard le {deadline}.",
        penalties="Les pénalités de retard courent du lendemain de l'échéance jusqu'au "
        "{computed_on} inclus, sur 365 jours, au taux de refinancement de la Banque "
        "centrale européenne en vigueur au 1er janvier ou au 1er juillet majoré de "
        "10 points, ou au taux de nos conditions (article L441-10 du Code de "
        "commerce). Une indemnité forfaitaire pour frais de recouvrement de 40 EUR "
        "est due pour chaque facture payée en retard (article D441-5).",
        interest="Ces sommes porteront intérêts au taux légal à compter de la présente mise "
        "en demeure.",
        consequence="À défaut de paiement à cette date, nous engagerons sans autre avis une "
        "procédure judiciaire de recouvrement ; les pénalités continueront de "
        "courir jusqu'au paiement complet.",
        portal="Consultez votre relevé, réglez en ligne ou signalez un litige : {portal_url}",
        closing="Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
    ),
    ("formal_notice", "en"): Template(
        subject="Formal notice to pay",
        salutation="Dear Sir or Madam,",
        opening="Despite our reminders, the invoices below remain unpaid. We hereby give you "
        "formal notice to pay us {total} no later than {deadline}.",
        penalties="Late-payment penalties run from the day after each due date to "
        "{computed_on} included, on a 365-day year, at the European Central Bank's "
        "main refinancing rate in force on 1 January or 1 July plus 10 points, or at "
        "the rate of our terms (French Commercial Code, L441-10). A fixed recovery "
        "indemnity of 40 EUR is due for each invoice paid late (D441-5).",
        interest="These sums will bear interest at the legal rate from this formal notice.",
        consequence="Failing payment by that date, we will start court proceedings without "
        "further notice; penalties keep running until payment in full.",
        portal="See your statement, pay online or report a dispute: {portal_url}",
        closing="Yours faithfully,",
    ),
}


class UnknownTemplate(LookupError):
    pass


def template(name: str, language: str, fallback: str | None = None) -> tuple[Template, Labels, str]:
    """The template in the reader's language (BCP 47); when we do not write theirs, in
    ``fallback`` (the tenant's language), else English."""
    wanted = (language, fallback) if fallback else (language,)
    lang = next((c for c in (w.split("-")[0].lower() for w in wanted) if c in LABELS), "en")
    try:
        return TEMPLATES[(name, lang)], LABELS[lang], lang
    except KeyError:
        raise UnknownTemplate(f"no letter template {name!r}") from None
