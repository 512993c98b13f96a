from encaisse.kit.app import main
from encaisse.ledger.app import MIGRATIONS, build_app
from encaisse.ledger.settings import LedgerSettings

main(LedgerSettings, build_app, MIGRATIONS)
