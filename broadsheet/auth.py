"""The one authentication backend: Django's ModelBackend, behind django-axes' login throttle."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend


class ThrottledModelBackend(AxesStandaloneBackend, ModelBackend):
    """Refuses a username and address that django-axes has locked out, else checks the password.

    One backend rather than axes' standalone one in front of ModelBackend: with two, Django's
    `User.objects.with_perm()` (used to find moderators) needs a backend named at every call.
    Without a request (a script calling authenticate()) there is no address to throttle.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None:
            # Raises AxesBackendPermissionDenied (a PermissionDenied) for a locked-out pair.
            AxesStandaloneBackend.authenticate(self, request, username, password, **kwargs)
        return ModelBackend.authenticate(self, request, username, password, **kwargs)
