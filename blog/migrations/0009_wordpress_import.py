import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('blog', '0008_static_pages_and_blogger_imports'),
        ('django_comments_xtd', '0008_auto_20200920_2037'),
    ]

    operations = [
        migrations.AddField(
            model_name='blogpostpage',
            name='wordpress_id',
            field=models.PositiveBigIntegerField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='blogpostpage',
            name='wordpress_digest',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='staticpage',
            name='wordpress_id',
            field=models.PositiveBigIntegerField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='staticpage',
            name='wordpress_digest',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.CreateModel(
            name='WordPressComment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('wordpress_id', models.CharField(max_length=255, unique=True)),
                ('comment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='wordpress_source', to='django_comments_xtd.xtdcomment')),
            ],
        ),
        migrations.AlterModelOptions(
            name='bloggerimport',
            options={'ordering': ['-created_at', '-pk'], 'permissions': [('import_blogger', 'Can import a Blogger or WordPress export')]},
        ),
    ]
