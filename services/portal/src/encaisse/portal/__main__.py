from encaisse.kit.app import main
from encaisse.portal.app import MIGRATIONS, build_app
from encaisse.portal.settings import PortalSettings

main(PortalSettings, build_app, MIGRATIONS)
