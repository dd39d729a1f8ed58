from django.apps import AppConfig


class GitHubConfig(AppConfig):
    name = "reviewapp.github"
    label = "github"
    verbose_name = "GitHub"

    def ready(self) -> None:
        from reviewapp.hunts.signals import hunt_finished
        from reviewapp.reviews import checkouts
        from reviewapp.reviews.models import Revision
        from reviewapp.reviews.signals import analysis_finished

        from .checkout import pull_request_checkout
        from .tasks import on_analysis_finished, on_hunt_finished

        analysis_finished.connect(on_analysis_finished, dispatch_uid="github-publish")
        hunt_finished.connect(on_hunt_finished, dispatch_uid="github-publish-hunt")
        checkouts.register(Revision.GITHUB, pull_request_checkout)
