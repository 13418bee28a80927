# Placeholder for the lead's 0002_resume_key (issue #18): drop at merge.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wizard", "0001_initial")]
    operations = []
