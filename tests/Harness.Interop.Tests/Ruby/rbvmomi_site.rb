# rbvmomi (Debian ruby-rbvmomi 1.8) against the Harness simulator's vSphere API.
#
# usage: ruby rbvmomi_site.rb PORT PASSWORD COMMAND
#   vms       one line per VM of a container view on the root folder: "MOID NAME CONNECTIONSTATE POWERSTATE KEYID CRYPTOSTATE"
#             (rbvmomi 1.8's type database predates vSphere 6.5's encryption types: the key ID and crypto state are read
#             as property paths, whose values are strings)
#   badlogin  logs in with a wrong password; prints the fault's class and message
# A vSphere fault ends the script with exit code 3 and "fault: CLASS: MESSAGE".
require 'rbvmomi'

port, password, command = ARGV[0].to_i, ARGV[1], ARGV[2]
USER = 'administrator@vsphere.local'

def connect(port, password)
  RbVmomi::VIM.connect(host: '127.0.0.1', port: port, user: USER, password: password, insecure: true, ssl: true)
end

begin
  case command
  when 'badlogin'
    begin
      connect(port, password + '-wrong')
      puts 'logged in with a wrong password'
      exit 1
    rescue RbVmomi::Fault => e
      puts "#{e.fault.class.wsdl_name}: #{e.message}"
    end
  when 'vms'
    vim = connect(port, password)
    content = vim.serviceContent
    view = content.viewManager.CreateContainerView(container: content.rootFolder, type: ['VirtualMachine'], recursive: true)
    view.view.each do |vm|
      runtime = vm.runtime
      crypto = content.propertyCollector.RetrieveProperties(specSet: [{
        propSet: [{ type: 'VirtualMachine', pathSet: ['config.keyId.keyId', 'runtime.cryptoState'] }],
        objectSet: [{ obj: vm }],
      }]).first
      values = Hash[(crypto ? crypto.propSet : []).map { |p| [p.name, p.val] }]
      puts "#{vm._ref} #{vm.name} #{runtime.connectionState} #{runtime.powerState} #{values['config.keyId.keyId'] || '-'} #{values['runtime.cryptoState'] || '-'}"
    end
    view.DestroyView
    vim.close
  else
    puts "unknown command #{command}"
    exit 2
  end
rescue RbVmomi::Fault => e
  puts "fault: #{e.fault.class.wsdl_name}: #{e.message}"
  exit 3
end
