"""Use cases, one package per capability (cases, fulfilment, money, store, platform). Each use
case opens its transaction, loads, asks the domain, saves."""
