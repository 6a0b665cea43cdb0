"""The web pages: the customer portal and the warehouse scan station, served by the service."""
