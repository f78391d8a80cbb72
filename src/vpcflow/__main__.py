from vpcflow.cli.app import main

main()
