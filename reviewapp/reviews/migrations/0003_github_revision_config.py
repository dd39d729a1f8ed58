from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("reviews", "0002_job_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="revision",
            name="config",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
