from encaisse.kit.app import main
from encaisse.notifier.app import MIGRATIONS, build_app
from encaisse.notifier.settings import NotifierSettings

main(NotifierSettings, build_app, MIGRATIONS)
