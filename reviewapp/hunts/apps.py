from django.apps import AppConfig


class HuntsConfig(AppConfig):
    name = "reviewapp.hunts"
    label = "hunts"
    verbose_name = "Bug hunts"
