from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

User = get_user_model()


class SignUpForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"), max_length=150, regex=r"^[\w.@+-]+\Z",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"invalid": _("Letters, digits and @/./+/-/_ only.")},
    )
    # autocomplete names each field's purpose (WCAG 1.3.5): browsers and password managers
    # fill them, and suggest a new password rather than an old one
    email = forms.EmailField(label=_("Email"),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False,
                                   widget=forms.TextInput(attrs={"autocomplete": "nickname"}))
    password1 = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address exists "
                                          "already; log in or reset its password."))
        return email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        if p1:
            probe = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False,
                                   widget=forms.TextInput(attrs={"autocomplete": "nickname"}))
    email = forms.EmailField(label=_("Email"),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                             help_text=_("A new address gets a confirmation link."))
    bio = forms.CharField(label=_("About me"), widget=forms.Textarea, required=False)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=[("", _("Follow the browser"))] + list(settings.LANGUAGES),
        required=False,
        help_text=_("Also the language of the emails the site sends you."),
    )
    profile_public = forms.BooleanField(
        label=_("Show my public member page"), required=False,
        help_text=_("Your display name and what you contributed (events, talks, photos, "
                    "models, projects). Never your email address."),
    )
