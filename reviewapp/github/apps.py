from django.apps import AppConfig


class GitHubConfig(AppConfig):
    name = "reviewapp.github"
    label = "github"
    verbose_name = "GitHub"

    def ready(self) -> None:
        from reviewapp.reviews.signals import analysis_finished

        from .tasks import on_analysis_finished

        analysis_finished.connect(on_analysis_finished, dispatch_uid="github-publish")
