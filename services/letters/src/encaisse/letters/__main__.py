from encaisse.kit.app import main
from encaisse.letters.app import MIGRATIONS, build_app
from encaisse.letters.settings import LettersSettings

main(LettersSettings, build_app, MIGRATIONS)
