"""The contact form. Format rules live in the service; these check presence and length."""
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from storefront.privacy.forms import ConsentBoxes
from storefront.support.inbound import MAX_NAME, MAX_SUBJECT
from storefront.support.service import MAX_CONTACT_BODY


class ContactForm(ConsentBoxes, FlaskForm):
    name = StringField("Your name", validators=[InputRequired("Enter your name."),
                                                Length(max=MAX_NAME)],
                       render_kw={"autocomplete": "name"})
    email = EmailField("Your email", validators=[InputRequired("Enter your email address."),
                                                 Length(max=254)],
                       render_kw={"autocomplete": "email"})
    subject = StringField("Subject (optional)", validators=[Optional(),
                                                            Length(max=MAX_SUBJECT)])
    body = TextAreaField("Your message", validators=[
        InputRequired("Write your message."),
        Length(max=MAX_CONTACT_BODY, message=f"Use at most {MAX_CONTACT_BODY:,} characters.")],
        render_kw={"rows": 10})
