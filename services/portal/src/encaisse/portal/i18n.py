"""The portal's words in French and English, and locale-aware dates and amounts (Babel)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime

from encaisse.kit.money import format_money

LANGUAGES = ("fr", "en")
DEFAULT = "fr"

WORDS: dict[str, dict[str, str]] = {
    "portal": {"fr": "Espace client", "en": "Customer portal"},
    "skip": {"fr": "Aller au contenu", "en": "Skip to content"},
    "statement": {"fr": "Relevé de compte", "en": "Account statement"},
    "history": {"fr": "Historique des envois", "en": "What we sent you"},
    "logout": {"fr": "Se déconnecter", "en": "Sign out"},
    "open_invoices": {"fr": "Factures ouvertes", "en": "Open invoices"},
    "no_invoices": {"fr": "Aucune facture ouverte. Merci !", "en": "No open invoice. Thank you!"},
    "invoice": {"fr": "Facture", "en": "Invoice"},
    "issued": {"fr": "Émise le", "en": "Issued"},
    "due": {"fr": "Échéance", "en": "Due"},
    "overdue": {"fr": "Retard", "en": "Overdue"},
    "days": {"fr": "j", "en": "d"},
    "amount": {"fr": "Montant", "en": "Amount"},
    "balance": {"fr": "Reste dû", "en": "Balance due"},
    "status": {"fr": "Statut", "en": "Status"},
    "total_due": {"fr": "Total dû", "en": "Total due"},
    "select": {"fr": "Choisir", "en": "Select"},
    "pay_selected": {"fr": "Payer la sélection", "en": "Pay selected"},
    "promise_selected": {"fr": "Promettre de payer", "en": "Promise to pay"},
    "plan_selected": {"fr": "Demander un échéancier", "en": "Ask for a payment plan"},
    "view": {"fr": "Voir", "en": "View"},
    "download_pdf": {"fr": "Télécharger le PDF", "en": "Download the PDF"},
    "no_pdf": {"fr": "PDF non disponible", "en": "No PDF available"},
    "dispute": {"fr": "Contester cette facture", "en": "Dispute this invoice"},
    "reason": {"fr": "Motif", "en": "Reason"},
    "reason.not_received": {"fr": "Facture non reçue", "en": "Invoice not received"},
    "reason.amount_wrong": {"fr": "Montant erroné", "en": "Amount wrong"},
    "reason.goods_or_service": {
        "fr": "Problème de livraison ou de prestation",
        "en": "Goods or service issue",
    },
    "reason.already_paid": {"fr": "Déjà payée", "en": "Already paid"},
    "reason.other": {"fr": "Autre", "en": "Other"},
    "message": {"fr": "Votre message", "en": "Your message"},
    "attachment": {
        "fr": "Pièce jointe (PDF ou image, 5 Mo au plus)",
        "en": "Attachment (PDF or image, at most 5 MB)",
    },
    "send": {"fr": "Envoyer", "en": "Send"},
    "promised_date": {"fr": "Date de paiement promise", "en": "Date you will pay"},
    "promise_limit": {"fr": "Au plus tard le", "en": "At the latest on"},
    "instalments": {"fr": "Nombre d'échéances", "en": "Number of instalments"},
    "invoices_concerned": {"fr": "Factures concernées", "en": "Invoices concerned"},
    "confirm": {"fr": "Confirmer", "en": "Confirm"},
    "back": {"fr": "Retour au relevé", "en": "Back to the statement"},
    "done.dispute": {
        "fr": "Votre contestation est enregistrée. Nous revenons vers vous.",
        "en": "Your dispute is recorded. We will come back to you.",
    },
    "done.promise": {
        "fr": "Merci, votre promesse de paiement est enregistrée.",
        "en": "Thank you, your promise to pay is recorded.",
    },
    "done.plan": {
        "fr": "Votre demande d'échéancier est transmise.",
        "en": "Your request for a payment plan has been sent.",
    },
    "done.paid": {
        "fr": "Merci, votre paiement est accepté.",
        "en": "Thank you, your payment is accepted.",
    },
    "done.failed": {
        "fr": "Le paiement a échoué. Aucun montant n'a été prélevé.",
        "en": "The payment failed. Nothing was charged.",
    },
    "reference": {"fr": "Référence", "en": "Reference"},
    "pay": {"fr": "Paiement", "en": "Payment"},
    "to_pay": {"fr": "Montant à payer", "en": "Amount to pay"},
    "sandbox": {"fr": "Paiement de test (bac à sable)", "en": "Test payment (sandbox)"},
    "card_ok": {"fr": "Payer", "en": "Pay"},
    "card_fail": {"fr": "Simuler un refus", "en": "Simulate a decline"},
    "payment_pending": {"fr": "Paiement en cours", "en": "Payment in progress"},
    "access_title": {"fr": "Accéder à votre espace", "en": "Open your account"},
    "access_text": {
        "fr": "Cliquez pour ouvrir votre espace client en toute sécurité.",
        "en": "Click to open your customer account securely.",
    },
    "access_button": {"fr": "Ouvrir mon espace", "en": "Open my account"},
    "link_invalid": {"fr": "Ce lien n'est plus valable.", "en": "This link is no longer valid."},
    "ask_link": {"fr": "Recevoir un nouveau lien", "en": "Get a new link"},
    "email": {"fr": "Adresse e-mail", "en": "Email address"},
    "link_sent": {
        "fr": "Si cette adresse est connue, un lien vient de lui être envoyé.",
        "en": "If this address is known, a link has just been sent to it.",
    },
    "sent_on": {"fr": "Envoyé le", "en": "Sent on"},
    "channel": {"fr": "Canal", "en": "Channel"},
    "kind.email": {"fr": "E-mail", "en": "Email"},
    "kind.sms": {"fr": "SMS", "en": "Text message"},
    "kind.letter": {"fr": "Courrier", "en": "Letter"},
    "kind.registered": {"fr": "Lettre recommandée", "en": "Registered letter"},
    "st.sent": {"fr": "envoyé", "en": "sent"},
    "st.delivered": {"fr": "remis", "en": "delivered"},
    "st.failed": {"fr": "échec", "en": "failed"},
    "st.posted": {"fr": "posté", "en": "posted"},
    "st.returned": {"fr": "retourné", "en": "returned"},
    "st.open": {"fr": "ouverte", "en": "open"},
    "st.partially_paid": {"fr": "partiellement payée", "en": "partially paid"},
    "nothing_sent": {"fr": "Rien ne vous a encore été envoyé.", "en": "Nothing sent yet."},
    "payments": {"fr": "Paiements reçus", "en": "Payments received"},
    "notices": {"fr": "Informations", "en": "Notices"},
    "notice": {"fr": "Un rappel concerne vos factures", "en": "A reminder concerns your invoices"},
    "sent_statement": {
        "fr": "Le relevé de compte joint à ce rappel, au",
        "en": "The account statement sent with this reminder, as of",
    },
    "not_yet_due": {"fr": "à échoir", "en": "not yet due"},
    "overdue_total": {"fr": "Total échu", "en": "Total overdue"},
    "outstanding_total": {"fr": "Total restant dû", "en": "Total outstanding"},
    "error": {"fr": "Erreur", "en": "Error"},
    "language": {"fr": "English", "en": "Français"},
    # refusals (``domain.Refused.kind``); {names} are its params
    "err.choose_one": {
        "fr": "Choisissez au moins une facture.",
        "en": "Choose at least one invoice.",
    },
    "err.not_open": {
        "fr": "Une facture choisie n'est pas ouverte sur ce compte.",
        "en": "An invoice chosen is not open on this account.",
    },
    "err.currencies": {
        "fr": "Des factures en devises différentes se paient séparément.",
        "en": "Invoices in different currencies are paid separately.",
    },
    "err.past_date": {
        "fr": "La date doit être aujourd'hui ou plus tard.",
        "en": "The date must be today or later.",
    },
    "err.too_late": {
        "fr": "La date doit être dans les {days} jours.",
        "en": "The date must be within {days} days.",
    },
    "err.bad_date": {"fr": "Une date telle que 2030-01-31.", "en": "A date such as 2030-01-31."},
    "err.instalments": {
        "fr": "Entre {low} et {high} échéances.",
        "en": "Between {low} and {high} instalments.",
    },
    "err.too_big": {"fr": "Le fichier dépasse {mb} Mo.", "en": "The file is larger than {mb} MB."},
    "err.file_type": {
        "fr": "Le fichier doit être un PDF ou une image.",
        "en": "The file must be a PDF or an image.",
    },
    "err.message_missing": {"fr": "Dites-nous ce qui ne va pas.", "en": "Tell us what is wrong."},
}


def language_of(tag: str | None) -> str:
    """fr-BE -> fr; anything we do not speak -> the default."""
    base = (tag or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else DEFAULT


def translator(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        entry = WORDS.get(key)
        return entry[lang] if entry else key

    return t


def refusal(error: Exception, lang: str) -> str:
    """A refusal in the debtor's language; its English message when it has no words here."""
    entry = WORDS.get(f"err.{getattr(error, 'kind', '')}")
    if entry is None:
        return getattr(error, "message", str(error))
    return entry[lang].format(**getattr(error, "params", {}))


def money(amount: Decimal, currency: str, lang: str) -> str:
    """``amount`` with its currency's own decimals (``encaisse.kit.money.format_money``)."""
    return format_money(amount, currency, lang)


def day(value: date, lang: str) -> str:
    return format_date(value, "medium", locale=lang)


def moment(value: datetime, lang: str, tz: str = "Europe/Paris") -> str:
    return format_datetime(value, "medium", tzinfo=_zone(tz), locale=lang)


def _zone(name: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Paris")
