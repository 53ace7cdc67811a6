from partner_contact.cli import main

main()
