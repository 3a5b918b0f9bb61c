from django.urls import path

from . import views

app_name = "subscriptions"

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:key>/", views.confirm_view, name="confirm"),
    path("unsubscribe/<str:key>/", views.unsubscribe_view, name="unsubscribe"),
    path("about-your-data/", views.about_your_data, name="about-your-data"),
]
