"""Back office forms for partners, their logos and their staff logins (and the upload form the
banners share). They check presence and length; the rules live in partners.service."""
import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, EmailField, PasswordField, RadioField, SelectChoice,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from storefront.partners.models import Partner
from storefront.partners.service import PartnerData
from storefront.web.fields import strip

_SEPARATORS = re.compile(r"[\s,]+")


class PartnerForm(FlaskForm):
    """Everything `storefront partners add` sets, and whether the partner may be entered."""

    slug = StringField("Slug", filters=[strip], validators=[
        DataRequired("Enter the slug."), Length(max=40)])
    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Enter the partner's name."), Length(max=120)])
    privacy_url = StringField("The partner's privacy policy (URL)", filters=[strip],
                              validators=[DataRequired("Enter the address of the partner's "
                                                       "privacy policy."), Length(max=300)])
    frame = RadioField("Frame", default=Partner.TOP, choices=[
        SelectChoice(Partner.TOP, "At the top of every page"),
        SelectChoice(Partner.BOTTOM, "At the bottom of every page")],
        validators=[InputRequired("Choose where the frame is drawn.")])
    hosts = TextAreaField("Host names", filters=[strip], validators=[Length(max=600)],
                          render_kw={"rows": 3, "cols": 46})
    logo = StringField("Logo file in the theme", filters=[strip], validators=[Length(max=200)])
    show_both_logos = BooleanField("Show the shop's logo next to the partner's", default=True)
    is_active = BooleanField("Active: the entry link and host names open the co-brand",
                             default=True)

    @classmethod
    def of(cls, partner):
        """The form filled with a saved partner."""
        return cls(formdata=None, data={
            "slug": partner.slug, "name": partner.name, "privacy_url": partner.privacy_url,
            "frame": partner.frame, "hosts": "\n".join(partner.host_names), "logo": partner.logo,
            "show_both_logos": partner.show_both_logos, "is_active": partner.is_active})

    def partner_data(self):
        """The posted partner as the service takes it."""
        return PartnerData(self.slug.data, self.name.data, self.privacy_url.data,
                           self.frame.data, _SEPARATORS.split(self.hosts.data or ""),
                           self.logo.data or "", self.show_both_logos.data,
                           self.is_active.data)


class UploadForm(FlaskForm):
    """One picture (a partner's logo, a banner's image)."""

    image = FileField("Picture (JPEG, PNG, WebP or GIF)",
                      validators=[FileRequired("Choose a picture to upload.")])


class PartnerStaffForm(FlaskForm):
    """A partner staff login: who, and the first password (the admin gives it to the person
    another way than by email, and they change it)."""

    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Enter the person's name."), Length(max=120)])
    email = EmailField("Email", filters=[strip], validators=[
        DataRequired("Enter the person's email address."), Length(max=254)],
        render_kw={"autocomplete": "off"})
    password = PasswordField("First password (at least 12 characters)", validators=[
        InputRequired("Enter a first password."), Length(max=128)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the password", validators=[
        InputRequired("Enter the password again."),
        EqualTo("password", "The passwords do not match.")],
        render_kw={"autocomplete": "new-password"})
