from encaisse.kit.app import main
from encaisse.scheduler.app import MIGRATIONS, build_app
from encaisse.scheduler.settings import SchedulerSettings

main(SchedulerSettings, build_app, MIGRATIONS)
