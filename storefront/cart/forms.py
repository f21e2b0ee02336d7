"""Cart forms."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from storefront.cart.service import MAX_QUANTITY


class AddToCartForm(FlaskForm):
    product_id = HiddenField(validators=[InputRequired()])
    quantity = IntegerField("Quantity", default=1, validators=[
        InputRequired("Enter a quantity."),
        NumberRange(1, MAX_QUANTITY, f"Choose a quantity from 1 to {MAX_QUANTITY}.")])


class UpdateLineForm(FlaskForm):
    product_id = HiddenField(validators=[InputRequired()])
    quantity = IntegerField("Quantity", validators=[
        InputRequired("Enter a quantity."),
        NumberRange(0, MAX_QUANTITY, f"Choose a quantity from 0 to {MAX_QUANTITY}.")])


class RemoveLineForm(FlaskForm):
    product_id = HiddenField(validators=[InputRequired()])


class RemoveGiftCardForm(FlaskForm):
    gift_card_id = HiddenField(validators=[InputRequired()])
