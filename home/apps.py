from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from blog import setup

        from .setup import install_home_page

        # A first Blogger import into an empty install starts the site with a home page.
        setup.register_home_page(install_home_page)
