from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "stampcard.cards"
    label = "cards"

    def ready(self) -> None:
        # Imported here, once every model is loaded. Customers sits below cards: erasing a customer reaches the
        # cards' links and wallet change through this hook, run inside the erase transaction.
        from stampcard.cards import erasure
        from stampcard.customers import privacy  # below cards: the hook is how erasure reaches up

        if erasure.cards_forget_customer not in privacy.erase_followers:
            privacy.erase_followers.append(erasure.cards_forget_customer)
