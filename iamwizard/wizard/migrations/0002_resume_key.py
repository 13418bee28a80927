import hashlib

import iamwizard.wizard.models
from django.db import migrations, models


def old_links_open_once_more(apps, schema_editor):
    """Runs from before resume keys were opened by their id: that id becomes their key, so the
    old link works once more (links.legacy_run) and is then replaced."""
    Run = apps.get_model("wizard", "Run")
    for run_id in Run.objects.filter(resume_key_hash="").values_list("id", flat=True).iterator():
        Run.objects.filter(pk=run_id).update(resume_key_hash=hashlib.sha256(run_id.encode()).hexdigest())


class Migration(migrations.Migration):

    dependencies = [
        ("wizard", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="run",
            name="resume_key_hash",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="run",
            name="id",
            field=models.CharField(default=iamwizard.wizard.models.new_run_id, editable=False, max_length=40, primary_key=True, serialize=False),
        ),
        migrations.RunPython(old_links_open_once_more, migrations.RunPython.noop),
    ]
