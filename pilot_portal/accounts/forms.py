from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _


class RegisterForm(UserCreationForm):
    first_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("Each step of your applications is mailed here.")
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "email")
